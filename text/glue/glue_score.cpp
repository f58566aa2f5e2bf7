#include "text/glue/glue_score.h"

#include <set>

#include "common/base/error.h"
#include "common/metrics/classification_metrics.h"
#include "common/metrics/correlation_metrics.h"

namespace ptk::text::glue {
namespace {

double metric_of(const std::map<std::string, GlueMetricValues>& results, const std::string& name,
                 GlueMetric metric) {
  const auto& values = results.at(name);
  const auto found = values.find(metric);
  if (found == values.end()) {
    throw error("GLUE score: {} has no {} value", name, glue_metric_name(metric));
  }
  return found->second;
}

double mean_of(const std::map<std::string, GlueMetricValues>& results, const std::string& name,
               const std::vector<GlueMetric>& metrics) {
  double sum = 0;
  for (GlueMetric metric : metrics) sum += metric_of(results, name, metric);
  return sum / static_cast<double>(metrics.size());
}

// The one metric the BERT paper reports for a task.
GlueMetric bert_paper_metric(GlueTask task) {
  switch (task) {
    case GlueTask::kCoLA:
    case GlueTask::kAX:
      return GlueMetric::kMatthews;
    case GlueTask::kMRPC:
    case GlueTask::kQQP:
      return GlueMetric::kF1;
    case GlueTask::kSTSB:
      return GlueMetric::kSpearman;
    default:
      return GlueMetric::kAccuracy;
  }
}

void check_names(const std::map<std::string, GlueMetricValues>& results) {
  std::set<std::string> known;
  for (const auto& spec : glue_tasks()) {
    if (spec.task == GlueTask::kMNLI) {
      known.insert({"MNLI-m", "MNLI-mm"});
    } else {
      known.insert(spec.name);
    }
  }
  for (const auto& [name, values] : results) {
    if (known.count(name)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw error("GLUE score: unknown entry '{}' (known: {})", name, list);
  }
}

void add_leaderboard_entries(const GlueTaskSpec& spec,
                             const std::map<std::string, GlueMetricValues>& results,
                             std::vector<GlueEntryScore>& entries) {
  if (spec.task == GlueTask::kMNLI) {
    const bool matched = results.count("MNLI-m") != 0;
    const bool mismatched = results.count("MNLI-mm") != 0;
    if (!matched && !mismatched) return;
    if (matched != mismatched) {
      throw error(
          "GLUE score: the leaderboard's MNLI score averages MNLI-m and MNLI-mm, but only {} was "
          "given",
          matched ? "MNLI-m" : "MNLI-mm");
    }
    entries.push_back({"MNLI", 0.5 * (metric_of(results, "MNLI-m", GlueMetric::kAccuracy) +
                                      metric_of(results, "MNLI-mm", GlueMetric::kAccuracy))});
    return;
  }
  if (!results.count(spec.name)) return;
  entries.push_back(
      {spec.name, mean_of(results, spec.name, spec.metrics), spec.task != GlueTask::kAX});
}

void add_bert_paper_entries(const GlueTaskSpec& spec,
                            const std::map<std::string, GlueMetricValues>& results,
                            std::vector<GlueEntryScore>& entries) {
  const bool counted = spec.task != GlueTask::kAX && spec.task != GlueTask::kWNLI;
  const std::vector<std::string> names = spec.task == GlueTask::kMNLI
                                             ? std::vector<std::string>{"MNLI-m", "MNLI-mm"}
                                             : std::vector<std::string>{spec.name};
  for (const auto& name : names) {
    if (!results.count(name)) continue;
    entries.push_back({name, metric_of(results, name, bert_paper_metric(spec.task)), counted});
  }
}

}  // namespace

GlueMetricValues glue_classification_metrics(GlueTask task, const std::vector<int>& labels,
                                             const std::vector<int>& predictions) {
  const GlueTaskSpec& spec = glue_task_spec(task);
  if (spec.regression) {
    throw error("GLUE {} is a regression task: use glue_regression_metrics", spec.name);
  }
  metrics::ConfusionMatrix matrix(static_cast<int>(spec.labels.size()));
  matrix.add(labels, predictions);
  GlueMetricValues values;
  for (GlueMetric metric : spec.metrics) {
    if (metric == GlueMetric::kAccuracy) values[metric] = matrix.accuracy();
    if (metric == GlueMetric::kF1) values[metric] = matrix.f1(1);
    if (metric == GlueMetric::kMatthews) values[metric] = matrix.matthews_corrcoef();
  }
  return values;
}

GlueMetricValues glue_regression_metrics(const std::vector<double>& targets,
                                         const std::vector<double>& predictions) {
  return {{GlueMetric::kPearson, metrics::pearson(targets, predictions)},
          {GlueMetric::kSpearman, metrics::spearman(targets, predictions)}};
}

GlueScore glue_score(const std::map<std::string, GlueMetricValues>& results,
                     GlueAverage convention) {
  check_names(results);
  GlueScore score;
  for (const auto& spec : glue_tasks()) {
    if (convention == GlueAverage::kLeaderboard) {
      add_leaderboard_entries(spec, results, score.entries);
    } else {
      add_bert_paper_entries(spec, results, score.entries);
    }
  }
  double sum = 0;
  for (const auto& entry : score.entries) {
    if (!entry.in_average) continue;
    sum += entry.score;
    ++score.averaged;
  }
  fail_if(score.averaged == 0, "GLUE score: no task that counts towards the average");
  score.average = sum / score.averaged;
  return score;
}

}  // namespace ptk::text::glue
