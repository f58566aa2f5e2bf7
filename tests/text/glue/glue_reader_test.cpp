// Small files in each GLUE task's exact layout (rows shaped like the real ones, quotes,
// trailing spaces and MRPC's byte-order mark included), read back through read_glue_split.
#include "text/glue/glue_reader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"
#include "tests/text/glue/glue_test_dir.h"

namespace ptk::text::glue {
namespace {

using testing::GlueTestDir;

const char kMnliParses[] = "( ( A b ) )\t( ( C d ) )\t(ROOT (S A b))\t(ROOT (S C d))";

// CoLA and SST-2: single sentences.
void write_single_sentence_tasks(const GlueTestDir& dir) {
  dir.write("CoLA/train.tsv",
            "gj04\t1\t\tOur friends won't buy this analysis, let alone the next one we propose.\n"
            "gj04\t0\t*\tOne more pseudo generalization and I'm giving up.\n");
  dir.write("CoLA/dev.tsv", "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n");
  dir.write("CoLA/test.tsv", "index\tsentence\n0\tBill whistled past the house.\n");
  dir.write("SST-2/train.tsv",
            "sentence\tlabel\nhide new secretions from the parental units \t0\n"
            "\"a quote that opens\t1\n");
  dir.write("SST-2/dev.tsv",
            "sentence\tlabel\nit 's a charming and often affecting journey . \t1\n");
  dir.write("SST-2/test.tsv", "index\tsentence\n0\tuneasy mishmash of styles and genres .\n");
}

// MRPC, STS-B, QQP: sentence pairs with ids, a score or a duplicate flag.
void write_paraphrase_tasks(const GlueTestDir& dir) {
  const std::string mrpc_header = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n";
  dir.write("MRPC/train.tsv",
            "\xEF\xBB\xBF" + mrpc_header +
                "1\t702876\t702977\tAmrozi accused his brother , whom he called \" the witness "
                "\" , of deliberately distorting his evidence .\tReferring to him as only \" the "
                "witness \" , Amrozi accused his brother of deliberately distorting his "
                "evidence .\n");
  dir.write("MRPC/dev.tsv", mrpc_header + "0\t1\t2\tA first one .\tA second one .\n");
  dir.write("MRPC/test.tsv",
            "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
            "0\t1089874\t1089925\tPCCW 's chief operating officer will leave .\tThe chief "
            "operating officer will leave PCCW .\n");
  const std::string stsb_header =
      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2";
  dir.write("STS-B/train.tsv",
            stsb_header +
                "\tscore\n0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA "
                "plane is taking off.\tAn air plane is taking off.\t5.000\n");
  dir.write("STS-B/dev.tsv", stsb_header +
                                 "\tscore\n0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\t"
                                 "A man with a hard hat is dancing.\tA man wearing a hard hat is "
                                 "dancing.\t4.750\n");
  dir.write("STS-B/test.tsv", stsb_header +
                                  "\n0\tmain-forums\tanswers\t2016\t0001\tnone\tnone\tA girl is "
                                  "styling her hair.\tA girl is brushing her hair.\n");
  const std::string qqp_header = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n";
  dir.write("QQP/train.tsv", qqp_header +
                                 "133273\t213221\t213222\tHow is the life of a math student?\t"
                                 "Which level of preparation is enough?\t0\n");
  dir.write("QQP/dev.tsv",
            qqp_header + "402555\t536040\t536041\tHow do I stop?\tHow can I stop?\t1\n");
  dir.write("QQP/test.tsv",
            "id\tquestion1\tquestion2\n0\tWhy am I mentally very lonely?\tFind the remainder "
            "when [math]23^{24}[/math] is divided by 24,23?\n");
}

// MNLI: parse columns, two dev and two test files.
void write_mnli(const GlueTestDir& dir) {
  const std::string mnli_columns =
      "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
      "sentence1_parse\tsentence2_parse\tsentence1\tsentence2";
  const std::string mnli_prefix = std::string("\t31193\t31193n\tgovernment\t") + kMnliParses;
  dir.write("MNLI/train.tsv", mnli_columns + "\tlabel1\tgold_label\n0" + mnli_prefix +
                                  "\tConceptually cream skimming has two basic dimensions.\t"
                                  "Product and geography are what make cream skimming work.\t"
                                  "neutral\tneutral\n");
  const std::string dev_labels = "\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n";
  dir.write("MNLI/dev_matched.tsv",
            mnli_columns + dev_labels + "0" + mnli_prefix +
                "\tThe new rights are nice enough\tEveryone really likes the newest benefits\t"
                "neutral\tentailment\tneutral\tneutral\tneutral\tneutral\n");
  dir.write("MNLI/dev_mismatched.tsv",
            mnli_columns + dev_labels + "0" + mnli_prefix +
                "\tYour contribution helped make it possible.\tYour contributions were of no "
                "help.\tcontradiction\tcontradiction\tcontradiction\tcontradiction\t"
                "contradiction\tcontradiction\n");
  dir.write("MNLI/test_matched.tsv", mnli_columns + "\n0" + mnli_prefix +
                                         "\tHierbas, ans seco, ans dulce.\tHierbas is a name.\n");
  dir.write("MNLI/test_mismatched.tsv",
            mnli_columns + "\n0" + mnli_prefix + "\tWhat have you decided?\tThe decision.\n");
}

// QNLI, RTE, WNLI and the diagnostic set AX.
void write_inference_tasks(const GlueTestDir& dir) {
  dir.write("QNLI/train.tsv",
            "index\tquestion\tsentence\tlabel\n0\tWhen did it begin?\tIt "
            "began in 2002.\tentailment\n");
  dir.write("QNLI/dev.tsv",
            "index\tquestion\tsentence\tlabel\n0\tWhat came first?\tThe egg "
            "did.\tnot_entailment\n");
  dir.write("QNLI/test.tsv", "index\tquestion\tsentence\n0\tWhat is it?\tIt is a test.\n");
  for (const std::string task : {"RTE", "WNLI"}) {
    const std::string label = task == "RTE" ? "not_entailment" : "1";
    dir.write(task + "/train.tsv",
              "index\tsentence1\tsentence2\tlabel\n0\tNo weapons were "
              "found.\tWeapons were found.\t" +
                  label + "\n");
    dir.write(task + "/dev.tsv",
              "index\tsentence1\tsentence2\tlabel\n7\tThe cat sat.\tA cat "
              "sat.\t" +
                  label + "\n");
    dir.write(task + "/test.tsv",
              "index\tsentence1\tsentence2\n0\tMaude had a dog.\tMaude "
              "had a pet.\n");
  }
  dir.write("AX/AX.tsv",
            "index\tsentence1\tsentence2\n0\tThe cat sat on the mat.\tThe cat "
            "did not sit on the mat.\n");
}

// Writes one small file per split of every task.
void write_glue_folder(const GlueTestDir& dir) {
  write_single_sentence_tasks(dir);
  write_paraphrase_tasks(dir);
  write_mnli(dir);
  write_inference_tasks(dir);
}

struct ExpectedFirst {
  GlueTask task;
  std::string split;
  std::string index, text_a, text_b, label_text;
  int label;
};

class GlueReaderLayouts : public ::testing::TestWithParam<ExpectedFirst> {};

TEST_P(GlueReaderLayouts, ReadsEverySplitOfEveryTask) {
  GlueTestDir dir;
  write_glue_folder(dir);
  const ExpectedFirst& expected = GetParam();
  const GlueSplit split = read_glue_split(expected.task, dir.path(), expected.split);
  EXPECT_EQ(split.rows_skipped, 0) << split.report();
  ASSERT_FALSE(split.examples.empty()) << split.report();
  const GlueExample& first = split.examples.front();
  EXPECT_EQ(first.index, expected.index);
  EXPECT_EQ(first.text_a, expected.text_a);
  EXPECT_EQ(first.text_b, expected.text_b);
  EXPECT_EQ(first.label_text, expected.label_text);
  EXPECT_EQ(first.label, expected.label);
  EXPECT_EQ(split.labelled, !expected.label_text.empty());
  EXPECT_TRUE(std::isnan(first.target));
}

INSTANTIATE_TEST_SUITE_P(
    AllTasks, GlueReaderLayouts,
    ::testing::Values(
        ExpectedFirst{GlueTask::kCoLA, "train", "0",
                      "Our friends won't buy this analysis, let alone the next one we propose.", "",
                      "1", 1},
        ExpectedFirst{GlueTask::kCoLA, "dev", "0",
                      "The sailors rode the breeze clear of the rocks.", "", "1", 1},
        ExpectedFirst{GlueTask::kCoLA, "test", "0", "Bill whistled past the house.", "", "", -1},
        ExpectedFirst{GlueTask::kSST2, "train", "0", "hide new secretions from the parental units ",
                      "", "0", 0},
        ExpectedFirst{GlueTask::kSST2, "dev", "0",
                      "it 's a charming and often affecting journey . ", "", "1", 1},
        ExpectedFirst{GlueTask::kSST2, "test", "0", "uneasy mishmash of styles and genres .", "",
                      "", -1},
        ExpectedFirst{GlueTask::kMRPC, "dev", "0", "A first one .", "A second one .", "0", 0},
        ExpectedFirst{GlueTask::kMRPC, "test", "0", "PCCW 's chief operating officer will leave .",
                      "The chief operating officer will leave PCCW .", "", -1},
        ExpectedFirst{GlueTask::kSTSB, "test", "0", "A girl is styling her hair.",
                      "A girl is brushing her hair.", "", -1},
        ExpectedFirst{GlueTask::kQQP, "train", "133273", "How is the life of a math student?",
                      "Which level of preparation is enough?", "0", 0},
        ExpectedFirst{GlueTask::kQQP, "dev", "402555", "How do I stop?", "How can I stop?", "1", 1},
        ExpectedFirst{GlueTask::kQQP, "test", "0", "Why am I mentally very lonely?",
                      "Find the remainder when [math]23^{24}[/math] is divided by 24,23?", "", -1},
        ExpectedFirst{GlueTask::kMNLI, "train", "0",
                      "Conceptually cream skimming has two basic dimensions.",
                      "Product and geography are what make cream skimming work.", "neutral", 1},
        ExpectedFirst{GlueTask::kMNLI, "dev_matched", "0", "The new rights are nice enough",
                      "Everyone really likes the newest benefits", "neutral", 1},
        ExpectedFirst{GlueTask::kMNLI, "dev_mismatched", "0",
                      "Your contribution helped make it possible.",
                      "Your contributions were of no help.", "contradiction", 2},
        ExpectedFirst{GlueTask::kMNLI, "test_matched", "0", "Hierbas, ans seco, ans dulce.",
                      "Hierbas is a name.", "", -1},
        ExpectedFirst{GlueTask::kMNLI, "test_mismatched", "0", "What have you decided?",
                      "The decision.", "", -1},
        ExpectedFirst{GlueTask::kQNLI, "train", "0", "When did it begin?", "It began in 2002.",
                      "entailment", 0},
        ExpectedFirst{GlueTask::kQNLI, "dev", "0", "What came first?", "The egg did.",
                      "not_entailment", 1},
        ExpectedFirst{GlueTask::kQNLI, "test", "0", "What is it?", "It is a test.", "", -1},
        ExpectedFirst{GlueTask::kRTE, "train", "0", "No weapons were found.", "Weapons were found.",
                      "not_entailment", 1},
        ExpectedFirst{GlueTask::kRTE, "dev", "7", "The cat sat.", "A cat sat.", "not_entailment",
                      1},
        ExpectedFirst{GlueTask::kRTE, "test", "0", "Maude had a dog.", "Maude had a pet.", "", -1},
        ExpectedFirst{GlueTask::kWNLI, "train", "0", "No weapons were found.",
                      "Weapons were found.", "1", 1},
        ExpectedFirst{GlueTask::kWNLI, "dev", "7", "The cat sat.", "A cat sat.", "1", 1},
        ExpectedFirst{GlueTask::kWNLI, "test", "0", "Maude had a dog.", "Maude had a pet.", "", -1},
        ExpectedFirst{GlueTask::kAX, "test", "0", "The cat sat on the mat.",
                      "The cat did not sit on the mat.", "", -1}));

TEST(GlueReader, MrpcByteOrderMarkIsSkippedAndQuotesStayLiteral) {
  GlueTestDir dir;
  write_glue_folder(dir);
  const GlueSplit split = read_glue_split(GlueTask::kMRPC, dir.path(), "train");
  ASSERT_EQ(split.examples.size(), 1u) << split.report();
  EXPECT_EQ(split.examples[0].text_a,
            "Amrozi accused his brother , whom he called \" the witness \" , of deliberately "
            "distorting his evidence .");
  EXPECT_EQ(split.examples[0].label, 1);
  EXPECT_EQ(split.examples[0].line, 2);
  // An opening quote does not swallow the tab or the line end after it.
  const GlueSplit sst = read_glue_split(GlueTask::kSST2, dir.path(), "train");
  ASSERT_EQ(sst.examples.size(), 2u) << sst.report();
  EXPECT_EQ(sst.examples[1].text_a, "\"a quote that opens");
  EXPECT_EQ(sst.examples[1].label, 1);
  EXPECT_EQ(sst.examples[1].index, "1");
}

TEST(GlueReader, StsbScoresAreFloatTargets) {
  GlueTestDir dir;
  write_glue_folder(dir);
  for (const char* split : {"train", "dev"}) {
    const GlueSplit read = read_glue_split(GlueTask::kSTSB, dir.path(), split);
    ASSERT_EQ(read.examples.size(), 1u) << read.report();
    EXPECT_EQ(read.examples[0].label, -1);
    EXPECT_TRUE(read.labelled);
  }
  const GlueSplit dev = read_glue_split(GlueTask::kSTSB, dir.path(), "dev");
  EXPECT_DOUBLE_EQ(dev.examples[0].target, 4.75);
  EXPECT_EQ(dev.examples[0].label_text, "4.750");
  EXPECT_EQ(dev.examples[0].text_b, "A man wearing a hard hat is dancing.");
}

TEST(GlueReader, CoLaTrainHasNoHeaderButItsTestFileHasOne) {
  GlueTestDir dir;
  write_glue_folder(dir);
  const GlueSplit train = read_glue_split(GlueTask::kCoLA, dir.path(), "train");
  EXPECT_EQ(train.rows_read, 2);  // the first line is data
  ASSERT_EQ(train.examples.size(), 2u);
  EXPECT_EQ(train.examples[0].line, 1);
  EXPECT_EQ(train.examples[1].label, 0);
  EXPECT_EQ(train.examples[1].index, "1");
  const GlueSplit test = read_glue_split(GlueTask::kCoLA, dir.path(), "test");
  EXPECT_EQ(test.rows_read, 1);  // the header is not a row
  EXPECT_EQ(test.examples[0].line, 2);
}

TEST(GlueReader, MalformedRowsAreSkippedCountedAndDescribed) {
  GlueTestDir dir;
  dir.write("QQP/train.tsv",
            "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
            "1\t2\t3\tHow do I learn?\tHow can I learn?\t1\n"
            "2\t4\t5\tA question broken by a line\n"  // the rest of it is on the next line
            "end?\tAnother question?\t0\n"
            "3\t6\t7\tGood?\tFine?\tyes\n"
            "4\t8\t9\tLast?\tFinal?\t0\r\n");
  const GlueSplit split = read_glue_split(GlueTask::kQQP, dir.path(), "train");
  EXPECT_EQ(split.rows_read, 5);
  EXPECT_EQ(split.rows_skipped, 3);
  ASSERT_EQ(split.examples.size(), 2u);
  EXPECT_EQ(split.examples[1].index, "4");
  EXPECT_EQ(split.examples[1].label, 0);  // "\r\n" line end
  ASSERT_EQ(split.problems.size(), 3u);
  const std::string path = dir.path() + "/QQP/train.tsv";
  EXPECT_EQ(split.problems[0], path + ":3: 4 columns, expected 6");
  EXPECT_EQ(split.problems[1], path + ":4: 3 columns, expected 6");
  EXPECT_EQ(split.problems[2], path + ":5: unknown label 'yes' (expected one of 0, 1)");
  const std::string report = split.report();
  EXPECT_NE(report.find("read 2 examples from " + path + " (5 rows, 3 malformed rows skipped)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find(split.problems[2]), std::string::npos) << report;

  dir.write("STS-B/dev.tsv",
            "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\t"
            "score\n0\tg\tf\ty\to\ts\ts\tA.\tB.\tabc\n1\tg\tf\ty\to\ts\ts\tA.\tB.\t\n"
            "2\tg\tf\ty\to\ts\ts\tA.\tB.\t2.5x\n3\tg\tf\ty\to\ts\ts\tA.\tB.\tnan\n"
            "4\tg\tf\ty\to\ts\ts\tA.\tB.\t1e999\n5\tg\tf\ty\to\ts\ts\tA.\tB.\t2.5\n\n");
  const GlueSplit stsb = read_glue_split(GlueTask::kSTSB, dir.path(), "dev");
  EXPECT_EQ(stsb.rows_read, 7);  // the blank line is a row, and malformed
  EXPECT_EQ(stsb.rows_skipped, 6);
  ASSERT_EQ(stsb.examples.size(), 1u);
  EXPECT_DOUBLE_EQ(stsb.examples[0].target, 2.5);
  EXPECT_EQ(stsb.problems.size(), static_cast<size_t>(kMaxReportedProblems));
  EXPECT_EQ(stsb.problems[0], dir.path() + "/STS-B/dev.tsv:2: score 'abc' is not a number");
  EXPECT_NE(stsb.report().find("... and 1 more"), std::string::npos) << stsb.report();
}

TEST(GlueReader, MissingFilesUnknownSplitsAndWrongHeadersAreErrors) {
  GlueTestDir dir;
  try {
    read_glue_split(GlueTask::kRTE, dir.path(), "dev");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path() + "/RTE/dev.tsv"), std::string::npos)
        << e.what();
  }
  try {
    read_glue_split(GlueTask::kAX, dir.path(), "test");
    FAIL() << "no error";
  } catch (const Error& e) {  // both places AX may be are named
    EXPECT_NE(std::string(e.what()).find("AX/AX.tsv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("diagnostic/diagnostic.tsv"), std::string::npos);
  }
  try {
    read_glue_split(GlueTask::kMNLI, dir.path(), "dev");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("dev_matched"), std::string::npos) << e.what();
  }
  // A QNLI file where RTE's belongs: the header names the wrong columns.
  dir.write("RTE/dev.tsv", "index\tquestion\tsentence\tlabel\n0\tWhat?\tThat.\tentailment\n");
  try {
    read_glue_split(GlueTask::kRTE, dir.path(), "dev");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path() + "/RTE/dev.tsv:1: header column 1 is "
                                                      "'question', expected 'sentence1'"),
              std::string::npos)
        << e.what();
  }
  dir.write("SST-2/dev.tsv", "");
  EXPECT_THROW(read_glue_split(GlueTask::kSST2, dir.path(), "dev"), Error);
  dir.write("SST-2/dev.tsv", "sentence\n");
  EXPECT_THROW(read_glue_split(GlueTask::kSST2, dir.path(), "dev"), Error);
}

TEST(GlueReader, AxIsAlsoFoundWhereTheGlueDownloadScriptPutsIt) {
  GlueTestDir dir;
  dir.write("diagnostic/diagnostic.tsv", "index\tsentence1\tsentence2\n0\tA.\tB.\n1\tC.\tD.\n");
  const GlueSplit split = read_glue_split(GlueTask::kAX, dir.path(), "test");
  EXPECT_EQ(split.examples.size(), 2u);
  EXPECT_EQ(split.examples[1].index, "1");
  EXPECT_EQ(split.path, dir.path() + "/diagnostic/diagnostic.tsv");
}

}  // namespace
}  // namespace ptk::text::glue
