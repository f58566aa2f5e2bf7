// ptk-eval glue as users run it: demo GLUE tasks in the exact SST-2 and MRPC layouts, a BERT
// checkpoint laid out as ptk-bert writes it, the fine-tuning sweep, results.json / results.md,
// leaderboard files, malformed rows reported, the same backbone imported from its HF export
// (init.from) giving the same results, and the usage errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demos/demo_glue.h"
#include "tests/integration/toy_run.h"
#include "tests/recipes/export/export_fixtures.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kEval = std::string(PTK_BINARY_DIR) + "/ptk-eval";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(240)));
  *output = child.output();
  return code;
}

// A WordPiece vocab.txt of every lower-case word of the GLUE files, so the tasks are learnable
// from the tokens; returns its size.
int64_t write_vocab_of(const std::string& glue_dir, const std::string& path) {
  std::set<std::string> words;
  for (const auto& entry : fs::recursive_directory_iterator(glue_dir)) {
    if (!entry.is_regular_file()) continue;
    std::string word;
    for (const char c : read_text(entry.path().string()) + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        if (!word.empty()) words.insert(word);
        word.clear();
      }
    }
  }
  std::ofstream out(path);
  out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const std::string& word : words) out << word << "\n";
  return 5 + static_cast<int64_t>(words.size());
}

class GlueEvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    demo::DemoGlueOptions options;
    options.train_rows = 200;
    options.dev_rows = 60;
    options.test_rows = 30;
    demo::write_demo_glue(options, dir_ / "glue");
    // One malformed row: a label that is not 0 or 1.
    std::ofstream(dir_ / "glue/SST-2/train.tsv", std::ios::app) << "a broken row\tmaybe\n";
    vocab_ = write_vocab_of(dir_ / "glue", dir_ / "vocab.txt");
    write_bert_checkpoint(dir_ / "run", vocab_);
  }

  std::vector<std::string> args(const std::string& out) const {
    return {kEval,
            "glue",
            "glue.data=" + dir_ / "glue",
            "glue.tasks=[SST-2, MRPC]",
            "glue.lrs=[1e-3, 3e-3]",
            "glue.epochs=2",
            "glue.batch=16",
            "eval.threads=1",
            "eval.tokenizer=" + dir_ / "vocab.txt",
            "eval.out=" + dir_ / out};
  }

  ScratchDir dir_;
  int64_t vocab_ = 0;
};

TEST_F(GlueEvalTest, SweepWritesResultsAndLeaderboardFilesAndReportsMalformedRows) {
  std::vector<std::string> argv = args("pretrained");
  argv.push_back("eval.checkpoint=" + dir_ / "run");
  std::string output;
  ASSERT_EQ(run(argv, dir_ / "a.log", &output), 0) << output;
  EXPECT_NE(output.find("GLUE average"), std::string::npos) << output;

  const nlohmann::json results = nlohmann::json::parse(read_text(dir_ / "pretrained/results.json"));
  ASSERT_EQ(results["tasks"].size(), 2u);
  EXPECT_EQ(results["tasks"][0]["task"], "SST-2");
  EXPECT_EQ(results["tasks"][0]["train_examples"], 200);
  EXPECT_EQ(results["tasks"][0]["sweep"].size(), 2u);
  const double accuracy = results["tasks"][0]["sweep"][0]["dev"]["SST-2"]["accuracy"];
  EXPECT_GE(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  EXPECT_TRUE(results["tasks"][1]["sweep"][0]["dev"]["MRPC"].contains("f1"));
  EXPECT_FALSE(results["glue_score"]["leaderboard"]["average"].is_null());
  const std::string reports = results["tasks"][0]["reports"].dump();
  EXPECT_NE(reports.find("1 malformed rows skipped"), std::string::npos) << reports;
  EXPECT_NE(read_text(dir_ / "pretrained/results.md").find("| SST-2 |"), std::string::npos);

  for (const char* file : {"SST-2.tsv", "MRPC.tsv"}) {
    std::istringstream lines(read_text(dir_ / ("pretrained/submission/" + std::string(file))));
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "index\tprediction") << file;
    int rows = 0;
    while (std::getline(lines, line)) {
      EXPECT_EQ(line, std::to_string(rows) + "\t" + line.substr(line.find('\t') + 1)) << file;
      const std::string label = line.substr(line.find('\t') + 1);
      EXPECT_TRUE(label == "0" || label == "1") << file << ": " << line;
      ++rows;
    }
    EXPECT_EQ(rows, 30) << file;
  }
}

// Under torchrun the two ranks deal out the sweep's six runs (SST-2 and MRPC, three learning
// rates each) and exchange the results: every dev number, the chosen runs, the GLUE averages
// and the leaderboard files are those of one process. (torchrun also sets OMP_NUM_THREADS=1,
// which OpenBLAS follows unless told otherwise; the learning rates are ones where the models
// learn, so that a run computed differently shows in its dev numbers.)
TEST_F(GlueEvalTest, TwoGlooRanksShareTheSweepAndGiveTheNumbersOfOneRank) {
  auto with_sweep = [&](std::vector<std::string> argv) {
    argv.push_back("eval.checkpoint=" + dir_ / "run");
    argv.push_back("glue.lrs=[1e-2, 5e-3, 2e-2]");
    argv.push_back("glue.epochs=4");
    return argv;
  };
  std::string output;
  ASSERT_EQ(run(with_sweep(args("one")), dir_ / "one.log", &output), 0) << output;
  ASSERT_EQ(run(torchrun_command(2, with_sweep(args("two"))), dir_ / "two.log", &output), 0)
      << output;
  // Both ranks trained runs (torchrun prefixes each worker's lines with its rank).
  for (const std::string rank : {"[default0]:", "[default1]:"}) {
    std::istringstream lines(output);
    int runs = 0;
    for (std::string line; std::getline(lines, line);) {
      runs += line.rfind(rank, 0) == 0 && line.find("dev score") != std::string::npos;
    }
    EXPECT_EQ(runs, 3) << rank << "\n" << output;
  }

  const nlohmann::json a = nlohmann::json::parse(read_text(dir_ / "one/results.json"));
  const nlohmann::json b = nlohmann::json::parse(read_text(dir_ / "two/results.json"));
  ASSERT_EQ(b["tasks"].size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    EXPECT_EQ(b["tasks"][t]["sweep"], a["tasks"][t]["sweep"]) << t;
    EXPECT_EQ(b["tasks"][t]["best_lr"], a["tasks"][t]["best_lr"]) << t;
    EXPECT_EQ(b["tasks"][t]["reports"], a["tasks"][t]["reports"]) << t;
  }
  EXPECT_EQ(b["glue_score"], a["glue_score"]);
  for (const char* file : {"SST-2.tsv", "MRPC.tsv"}) {
    const std::string expected = read_text(dir_ / ("one/submission/" + std::string(file)));
    EXPECT_FALSE(expected.empty()) << file;
    EXPECT_EQ(read_text(dir_ / ("two/submission/" + std::string(file))), expected) << file;
  }
  ASSERT_EQ(b["submission"].size(), 2u);
  EXPECT_EQ(b["submission"][0], dir_ / "two/submission/SST-2.tsv");
}

TEST_F(GlueEvalTest, HfExportImportedThroughInitFromGivesTheCheckpointsResults) {
  std::string output;
  ASSERT_EQ(run({std::string(PTK_BINARY_DIR) + "/ptk-export", "weights",
                 "export.checkpoint=" + dir_ / "run", "export.out=" + dir_ / "hf",
                 "export.tokenizer=" + dir_ / "vocab.txt"},
                dir_ / "export.log", &output),
            0)
      << output;
  std::vector<std::string> from_checkpoint = args("checkpoint");
  from_checkpoint.push_back("eval.checkpoint=" + dir_ / "run");
  from_checkpoint.push_back("glue.tasks=[SST-2]");
  std::vector<std::string> from_hf = args("hf-import");
  from_hf.push_back("init.from=" + dir_ / "hf");
  from_hf.push_back("glue.tasks=[SST-2]");
  std::vector<std::string> random = from_checkpoint;
  random.push_back("eval.init=random");
  random.push_back("eval.out=" + dir_ / "random");
  ASSERT_EQ(run(from_checkpoint, dir_ / "a.log", &output), 0) << output;
  ASSERT_EQ(run(from_hf, dir_ / "b.log", &output), 0) << output;
  ASSERT_EQ(run(random, dir_ / "c.log", &output), 0) << output;
  const nlohmann::json a = nlohmann::json::parse(read_text(dir_ / "checkpoint/results.json"));
  const nlohmann::json b = nlohmann::json::parse(read_text(dir_ / "hf-import/results.json"));
  const nlohmann::json c = nlohmann::json::parse(read_text(dir_ / "random/results.json"));
  EXPECT_EQ(a["tasks"][0]["sweep"], b["tasks"][0]["sweep"]);
  EXPECT_NE(c["backbone"].get<std::string>().find("random init"), std::string::npos);
}

TEST_F(GlueEvalTest, UsageErrorsNameTheKey) {
  std::string output;
  EXPECT_EQ(run(args("x"), dir_ / "a.log", &output), 2) << output;  // no backbone
  EXPECT_NE(output.find("eval.checkpoint"), std::string::npos) << output;
  std::vector<std::string> argv = args("y");
  argv.push_back("eval.checkpoint=" + dir_ / "run");
  argv.push_back("glue.tasks=[SST-3]");
  EXPECT_EQ(run(argv, dir_ / "b.log", &output), 2) << output;
  EXPECT_NE(output.find("SST-3"), std::string::npos) << output;
  argv.back() = "glue.lrs=[]";
  EXPECT_EQ(run(argv, dir_ / "c.log", &output), 2) << output;
  EXPECT_NE(output.find("glue.lrs"), std::string::npos) << output;
  argv.back() = "glue.data=" + dir_ / "nowhere";
  EXPECT_NE(run(argv, dir_ / "d.log", &output), 0) << output;
  EXPECT_NE(output.find("nowhere"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
