#include "text/glue/glue_task.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::text::glue {
namespace {

TEST(GlueTask, TableHoldsTheNineTasksAndAxInLeaderboardOrder) {
  std::vector<std::string> names;
  for (const auto& spec : glue_tasks()) names.push_back(spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI",
                                             "QNLI", "RTE", "WNLI", "AX"}));
  for (const auto& spec : glue_tasks()) {
    EXPECT_EQ(&glue_task_spec(spec.task), &spec);
    EXPECT_EQ(spec.regression, spec.labels.empty()) << spec.name;
    EXPECT_FALSE(spec.metrics.empty()) << spec.name;
    for (const auto& submission : spec.submissions) {
      EXPECT_NE(spec.find_split(submission.split), nullptr) << submission.file_name;
    }
  }
}

TEST(GlueTask, LabelsAndMetricsAreTheOfficialOnes) {
  EXPECT_EQ(glue_task_spec(GlueTask::kMNLI).labels,
            (std::vector<std::string>{"entailment", "neutral", "contradiction"}));
  EXPECT_EQ(glue_task_spec(GlueTask::kAX).labels, glue_task_spec(GlueTask::kMNLI).labels);
  EXPECT_EQ(glue_task_spec(GlueTask::kRTE).labels,
            (std::vector<std::string>{"entailment", "not_entailment"}));
  EXPECT_EQ(glue_task_spec(GlueTask::kQNLI).labels, glue_task_spec(GlueTask::kRTE).labels);
  for (GlueTask task :
       {GlueTask::kCoLA, GlueTask::kSST2, GlueTask::kMRPC, GlueTask::kQQP, GlueTask::kWNLI}) {
    EXPECT_EQ(glue_task_spec(task).labels, (std::vector<std::string>{"0", "1"}));
  }
  EXPECT_TRUE(glue_task_spec(GlueTask::kSTSB).regression);
  EXPECT_EQ(glue_task_spec(GlueTask::kCoLA).metrics,
            std::vector<GlueMetric>{GlueMetric::kMatthews});
  EXPECT_EQ(glue_task_spec(GlueTask::kMRPC).metrics,
            (std::vector<GlueMetric>{GlueMetric::kF1, GlueMetric::kAccuracy}));
  EXPECT_EQ(glue_task_spec(GlueTask::kSTSB).metrics,
            (std::vector<GlueMetric>{GlueMetric::kPearson, GlueMetric::kSpearman}));
}

TEST(GlueTask, SplitsAndSubmissionFilesFollowTheGlueFolder) {
  const auto& mnli = glue_task_spec(GlueTask::kMNLI);
  EXPECT_EQ(mnli.split_names(),
            "train, dev_matched, dev_mismatched, test_matched, test_mismatched");
  EXPECT_EQ(mnli.find_split("dev_mismatched")->files,
            std::vector<std::string>{"MNLI/dev_mismatched.tsv"});
  EXPECT_EQ(mnli.find_split("dev"), nullptr);
  ASSERT_EQ(mnli.submissions.size(), 2u);
  EXPECT_EQ(mnli.submissions[0].file_name, "MNLI-m.tsv");
  EXPECT_EQ(mnli.submissions[1].split, "test_mismatched");
  EXPECT_FALSE(glue_task_spec(GlueTask::kCoLA).find_split("train")->has_header);
  EXPECT_TRUE(glue_task_spec(GlueTask::kCoLA).find_split("test")->has_header);
  EXPECT_EQ(glue_task_spec(GlueTask::kAX).split_names(), "test");
  EXPECT_EQ(glue_entry_name(GlueTask::kMNLI, "dev_matched"), "MNLI-m");
  EXPECT_EQ(glue_entry_name(GlueTask::kMNLI, "test_mismatched"), "MNLI-mm");
  EXPECT_EQ(glue_entry_name(GlueTask::kSTSB, "dev"), "STS-B");
}

TEST(GlueTask, ParsesGlueAndLowerCaseSpellings) {
  EXPECT_EQ(parse_glue_task("SST-2"), GlueTask::kSST2);
  EXPECT_EQ(parse_glue_task("sst2"), GlueTask::kSST2);
  EXPECT_EQ(parse_glue_task("sts-b"), GlueTask::kSTSB);
  EXPECT_EQ(parse_glue_task("cola"), GlueTask::kCoLA);
  EXPECT_EQ(parse_glue_task("AX"), GlueTask::kAX);
  try {
    parse_glue_task("squad");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("'squad'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CoLA, SST-2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::text::glue
