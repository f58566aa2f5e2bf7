#include "text/glue/glue_submission.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/base/error.h"
#include "tests/text/glue/glue_test_dir.h"

namespace ptk::text::glue {
namespace {

using testing::GlueTestDir;

GluePredictions classes(std::vector<int> labels) {
  GluePredictions p;
  for (size_t i = 0; i < labels.size(); ++i) p.indices.push_back(std::to_string(i));
  p.labels = std::move(labels);
  return p;
}

TEST(GlueSubmission, WritesEveryLeaderboardFileWithOriginalLabelStrings) {
  GlueTestDir dir;
  struct Case {
    GlueTask task;
    std::string split;
    GluePredictions predictions;
    std::string file_name, bytes;
  };
  GluePredictions stsb;
  stsb.indices = {"0", "1", "2", "3"};
  stsb.scores = {3.14159, 0.0, -0.0001, 5.0};
  const std::vector<Case> cases = {
      {GlueTask::kCoLA, "test", classes({1, 0}), "CoLA.tsv", "index\tprediction\n0\t1\n1\t0\n"},
      {GlueTask::kSST2, "test", classes({0}), "SST-2.tsv", "index\tprediction\n0\t0\n"},
      {GlueTask::kMRPC, "test", classes({1}), "MRPC.tsv", "index\tprediction\n0\t1\n"},
      {GlueTask::kSTSB, "test", stsb, "STS-B.tsv",
       "index\tprediction\n0\t3.142\n1\t0.000\n2\t0.000\n3\t5.000\n"},
      {GlueTask::kQQP, "test", classes({0, 1}), "QQP.tsv", "index\tprediction\n0\t0\n1\t1\n"},
      {GlueTask::kMNLI, "test_matched", classes({0, 1, 2}), "MNLI-m.tsv",
       "index\tprediction\n0\tentailment\n1\tneutral\n2\tcontradiction\n"},
      {GlueTask::kMNLI, "test_mismatched", classes({2}), "MNLI-mm.tsv",
       "index\tprediction\n0\tcontradiction\n"},
      {GlueTask::kQNLI, "test", classes({1, 0}), "QNLI.tsv",
       "index\tprediction\n0\tnot_entailment\n1\tentailment\n"},
      {GlueTask::kRTE, "test", classes({0}), "RTE.tsv", "index\tprediction\n0\tentailment\n"},
      {GlueTask::kWNLI, "test", classes({1}), "WNLI.tsv", "index\tprediction\n0\t1\n"},
      {GlueTask::kAX, "test", classes({1}), "AX.tsv", "index\tprediction\n0\tneutral\n"},
  };
  for (const auto& c : cases) {
    const std::string path = write_glue_submission(dir.path(), c.task, c.split, c.predictions);
    EXPECT_EQ(path, dir.path() + "/" + c.file_name);
    EXPECT_EQ(dir.read(c.file_name), c.bytes) << c.file_name;
  }
  // Eleven files and no temporaries left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            11);
}

TEST(GlueSubmission, KeepsTheTestFilesIndicesInOrder) {
  GluePredictions p;
  p.indices = {"17", "3", "abc"};
  p.labels = {0, 0, 1};
  EXPECT_EQ(format_glue_submission(GlueTask::kRTE, p),
            "index\tprediction\n17\tentailment\n3\tentailment\nabc\tnot_entailment\n");
}

TEST(GlueSubmission, BadPredictionsAreErrorsAndLeaveNoFile) {
  GlueTestDir dir;
  GluePredictions too_few = classes({0, 1});
  too_few.labels.pop_back();
  EXPECT_THROW(write_glue_submission(dir.path(), GlueTask::kCoLA, "test", too_few), Error);
  EXPECT_THROW(format_glue_submission(GlueTask::kMNLI, classes({3})), Error);
  EXPECT_THROW(format_glue_submission(GlueTask::kMNLI, classes({-1})), Error);
  EXPECT_THROW(format_glue_submission(GlueTask::kSTSB, classes({1})), Error);
  GluePredictions nan_score;
  nan_score.indices = {"0"};
  nan_score.scores = {NAN};
  EXPECT_THROW(format_glue_submission(GlueTask::kSTSB, nan_score), Error);
  GluePredictions tab_index = classes({1});
  tab_index.indices[0] = "0\t1";
  EXPECT_THROW(format_glue_submission(GlueTask::kSST2, tab_index), Error);
  try {
    glue_submission_file_name(GlueTask::kMNLI, "dev_matched");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("test_matched, test_mismatched"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace ptk::text::glue
