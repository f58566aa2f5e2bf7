// The GLUE benchmark's tasks as data: where each split's file lives in the standard GLUE
// folder, which tab-separated column holds what, the label strings in class-id order, the
// official metrics and the leaderboard submission files. Everything that knows the GLUE file
// layouts reads it from this table, so a layout fix happens in one place.
#pragma once

#include <string>
#include <vector>

namespace ptk::text::glue {

enum class GlueTask { kCoLA, kSST2, kMRPC, kSTSB, kQQP, kMNLI, kQNLI, kRTE, kWNLI, kAX };

enum class GlueMetric { kAccuracy, kF1, kMatthews, kPearson, kSpearman };

constexpr int kNoColumn = -1;
constexpr int kLastColumn = -2;  // the label of MNLI and STS-B: after a varying number of columns

// How one split's file is laid out. Columns are 0-based.
struct GlueSplitLayout {
  std::string split;               // "train", "dev", "test", "dev_matched", ...
  std::vector<std::string> files;  // relative to the GLUE folder; the first that exists is read
  bool has_header = true;          // CoLA's train and dev files have none
  int min_columns = 0;             // with a header, every row has as many columns as it
  int index_column = kNoColumn;    // kNoColumn: the 0-based data row number is the index
  int text_a_column = 0;
  int text_b_column = kNoColumn;
  int label_column = kNoColumn;  // kNoColumn for unlabelled (test) files
  // Header names of the columns read, in the order index, text a, text b, label (those the
  // layout has), checked so that a file of another task is an error and not silently misread.
  // Empty when the file has no header.
  std::vector<std::string> expected_names;
};

// One leaderboard submission file and the split whose predictions it holds.
struct GlueSubmissionFile {
  std::string file_name;  // "CoLA.tsv", "MNLI-m.tsv", ...
  std::string split;      // "test", "test_matched", ...
};

struct GlueTaskSpec {
  GlueTask task = GlueTask::kCoLA;
  std::string name;  // "CoLA", "SST-2", ... as the GLUE folder and leaderboard spell it
  std::vector<GlueSplitLayout> splits;
  std::vector<std::string> labels;  // class id -> label string; empty for STS-B (regression)
  bool regression = false;
  std::vector<GlueMetric> metrics;  // the official ones, as the leaderboard reports them
  std::vector<GlueSubmissionFile> submissions;

  // nullptr when the task has no such split.
  const GlueSplitLayout* find_split(const std::string& split) const;
  // "train, dev, test": for error messages.
  std::string split_names() const;
};

// Every task in the leaderboard's order: CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE,
// WNLI, AX.
const std::vector<GlueTaskSpec>& glue_tasks();
const GlueTaskSpec& glue_task_spec(GlueTask task);
// Accepts the GLUE spelling ("SST-2") and lower case ("sst-2", "sst2"); anything else is a
// ptk::usage_error listing the tasks.
GlueTask parse_glue_task(const std::string& name);

// "accuracy", "f1", "matthews", "pearson", "spearman".
std::string glue_metric_name(GlueMetric metric);

// The leaderboard's name for predictions on a split: the task name, but "MNLI-m" / "MNLI-mm"
// for MNLI's matched / mismatched dev and test splits.
std::string glue_entry_name(GlueTask task, const std::string& split);

}  // namespace ptk::text::glue
