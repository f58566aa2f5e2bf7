#include "text/glue/glue_score.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"

namespace ptk::text::glue {
namespace {

using M = GlueMetric;

TEST(GlueScore, BertPaperAverageOfBertBase) {
  // BERT-base test results (BERT paper, Table 1; REFERENCE.md §6): MNLI 84.6/83.4, QQP 71.2 F1,
  // QNLI 90.5, SST-2 93.5, CoLA 52.1, STS-B 85.8 Spearman, MRPC 88.9 F1, RTE 66.4.
  // Sum of the nine entries = 716.4, average = 79.6. WNLI and the second metrics do not count.
  const std::map<std::string, GlueMetricValues> results = {
      {"MNLI-m", {{M::kAccuracy, 84.6}}},
      {"MNLI-mm", {{M::kAccuracy, 83.4}}},
      {"QQP", {{M::kF1, 71.2}, {M::kAccuracy, 89.2}}},
      {"QNLI", {{M::kAccuracy, 90.5}}},
      {"SST-2", {{M::kAccuracy, 93.5}}},
      {"CoLA", {{M::kMatthews, 52.1}}},
      {"STS-B", {{M::kPearson, 87.1}, {M::kSpearman, 85.8}}},
      {"MRPC", {{M::kF1, 88.9}, {M::kAccuracy, 84.8}}},
      {"RTE", {{M::kAccuracy, 66.4}}},
      {"WNLI", {{M::kAccuracy, 65.1}}},
  };
  const GlueScore score = glue_score(results, GlueAverage::kBertPaper);
  EXPECT_NEAR(score.average, 79.6, 1e-12);
  EXPECT_EQ(score.averaged, 9);
  ASSERT_EQ(score.entries.size(), 10u);
  EXPECT_EQ(score.entries[5].name, "MNLI-m");
  EXPECT_EQ(score.entries[6].name, "MNLI-mm");
  EXPECT_EQ(score.entries[4].name, "QQP");
  EXPECT_DOUBLE_EQ(score.entries[4].score, 71.2);
  EXPECT_EQ(score.entries[9].name, "WNLI");
  EXPECT_FALSE(score.entries[9].in_average);
}

TEST(GlueScore, LeaderboardAveragesEachTasksMetrics) {
  // Per task: CoLA 0.5; SST-2 0.9; MRPC (0.8 + 0.7) / 2 = 0.75; STS-B (0.8 + 0.6) / 2 = 0.7;
  // QQP (0.6 + 0.8) / 2 = 0.7; MNLI (0.8 + 0.6) / 2 = 0.7; QNLI 0.9; RTE 0.6; WNLI 0.5.
  // Sum 6.25 over nine tasks; AX (0.3) is reported but not averaged.
  const std::map<std::string, GlueMetricValues> results = {
      {"CoLA", {{M::kMatthews, 0.5}}},
      {"SST-2", {{M::kAccuracy, 0.9}}},
      {"MRPC", {{M::kF1, 0.8}, {M::kAccuracy, 0.7}}},
      {"STS-B", {{M::kPearson, 0.8}, {M::kSpearman, 0.6}}},
      {"QQP", {{M::kF1, 0.6}, {M::kAccuracy, 0.8}}},
      {"MNLI-m", {{M::kAccuracy, 0.8}}},
      {"MNLI-mm", {{M::kAccuracy, 0.6}}},
      {"QNLI", {{M::kAccuracy, 0.9}}},
      {"RTE", {{M::kAccuracy, 0.6}}},
      {"WNLI", {{M::kAccuracy, 0.5}}},
      {"AX", {{M::kMatthews, 0.3}}},
  };
  const GlueScore score = glue_score(results);
  EXPECT_NEAR(score.average, 6.25 / 9, 1e-15);
  EXPECT_EQ(score.averaged, 9);
  ASSERT_EQ(score.entries.size(), 10u);
  EXPECT_EQ(score.entries[2].name, "MRPC");
  EXPECT_NEAR(score.entries[2].score, 0.75, 1e-15);
  EXPECT_EQ(score.entries[5].name, "MNLI");
  EXPECT_NEAR(score.entries[5].score, 0.7, 1e-15);
  EXPECT_EQ(score.entries[9].name, "AX");
  EXPECT_FALSE(score.entries[9].in_average);
}

TEST(GlueScore, AveragesOnlyTheTasksPresent) {
  const GlueScore score = glue_score(
      {{"RTE", {{M::kAccuracy, 0.6}}}, {"CoLA", {{M::kMatthews, 0.2}}}}, GlueAverage::kBertPaper);
  EXPECT_NEAR(score.average, 0.4, 1e-15);
  EXPECT_EQ(score.entries[0].name, "CoLA");  // leaderboard order, not the map's
}

TEST(GlueScore, MissingOrUnknownEntriesAreErrors) {
  EXPECT_THROW(glue_score({{"SQuAD", {{M::kF1, 0.9}}}}), Error);
  EXPECT_THROW(glue_score({{"MNLI", {{M::kAccuracy, 0.9}}}}), Error);  // MNLI-m / MNLI-mm
  EXPECT_THROW(glue_score({{"MRPC", {{M::kF1, 0.9}}}}), Error);        // no accuracy
  EXPECT_THROW(glue_score({{"MNLI-m", {{M::kAccuracy, 0.9}}}}), Error);
  EXPECT_NO_THROW(glue_score({{"MNLI-m", {{M::kAccuracy, 0.9}}}}, GlueAverage::kBertPaper));
  EXPECT_THROW(glue_score({{"WNLI", {{M::kAccuracy, 0.5}}}}, GlueAverage::kBertPaper), Error);
  EXPECT_THROW(glue_score({}), Error);
}

TEST(GlueScore, TaskMetricsFromPredictions) {
  // MRPC: tp 2, fp 1, fn 0, tn 1 -> F1 4/5, accuracy 3/4.
  const auto mrpc = glue_classification_metrics(GlueTask::kMRPC, {1, 1, 0, 0}, {1, 1, 1, 0});
  EXPECT_DOUBLE_EQ(mrpc.at(M::kF1), 0.8);
  EXPECT_DOUBLE_EQ(mrpc.at(M::kAccuracy), 0.75);
  EXPECT_EQ(mrpc.size(), 2u);
  const auto cola = glue_classification_metrics(GlueTask::kCoLA, {0, 1, 0, 1}, {1, 0, 1, 0});
  EXPECT_DOUBLE_EQ(cola.at(M::kMatthews), -1.0);
  const auto mnli = glue_classification_metrics(GlueTask::kMNLI, {0, 1, 2, 2}, {0, 1, 2, 1});
  EXPECT_DOUBLE_EQ(mnli.at(M::kAccuracy), 0.75);
  EXPECT_THROW(glue_classification_metrics(GlueTask::kMNLI, {3}, {0}), Error);
  EXPECT_THROW(glue_classification_metrics(GlueTask::kSTSB, {1}, {1}), Error);
  const auto stsb = glue_regression_metrics({1, 2, 3, 4}, {2, 4, 5, 9});
  EXPECT_NEAR(stsb.at(M::kPearson), 11.0 / std::sqrt(130.0), 1e-15);
  EXPECT_NEAR(stsb.at(M::kSpearman), 1.0, 1e-15);
}

}  // namespace
}  // namespace ptk::text::glue
