// The GLUE score: each task's official metrics combined into one number per task, and the
// mean over the tasks present. Two conventions exist and both are used in papers, so the
// caller picks one; scores keep the unit of the inputs (fractions in, fractions out).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "text/glue/glue_task.h"

namespace ptk::text::glue {

using GlueMetricValues = std::map<GlueMetric, double>;

// The task's official metrics (GlueTaskSpec::metrics) of dev predictions: CoLA and AX
// Matthews; MRPC and QQP F1 (class 1) and accuracy; the others accuracy.
GlueMetricValues glue_classification_metrics(GlueTask task, const std::vector<int>& labels,
                                             const std::vector<int>& predictions);
// STS-B: Pearson and Spearman.
GlueMetricValues glue_regression_metrics(const std::vector<double>& targets,
                                         const std::vector<double>& predictions);

enum class GlueAverage {
  // The GLUE leaderboard: a task with two metrics scores their mean, MNLI the mean of its
  // matched and mismatched accuracies; the nine tasks CoLA..WNLI are averaged, AX is not.
  kLeaderboard,
  // The BERT paper (Table 1, REFERENCE.md §6): nine entries, MNLI-m and MNLI-mm apart, F1 for
  // MRPC and QQP, Spearman for STS-B; WNLI and AX are left out.
  kBertPaper,
};

struct GlueEntryScore {
  std::string name;  // "CoLA", ..., "MNLI" (leaderboard) or "MNLI-m" / "MNLI-mm" (BERT paper)
  double score = 0;
  bool in_average = true;  // false for AX, and for WNLI under kBertPaper
};

struct GlueScore {
  std::vector<GlueEntryScore> entries;  // in the leaderboard's task order
  double average = 0;                   // over the entries with in_average; NaN if one is NaN
  int averaged = 0;                     // how many entries the average is over
};

// `results` maps an entry name as glue_entry_name() gives it ("CoLA", "SST-2", "MRPC",
// "STS-B", "QQP", "MNLI-m", "MNLI-mm", "QNLI", "RTE", "WNLI", "AX") to its metric values.
// Tasks may be missing; the average is over those present. An unknown name, a metric the
// convention needs but the entry lacks, only one of MNLI-m / MNLI-mm under kLeaderboard, or
// nothing to average is a ptk::Error naming it.
GlueScore glue_score(const std::map<std::string, GlueMetricValues>& results,
                     GlueAverage convention = GlueAverage::kLeaderboard);

}  // namespace ptk::text::glue
