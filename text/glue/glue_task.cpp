#include "text/glue/glue_task.h"

#include <algorithm>
#include <cctype>

#include "common/base/enum_names.h"
#include "common/base/error.h"

namespace ptk::text::glue {
namespace {

const std::vector<std::string> kBinary = {"0", "1"};
const std::vector<std::string> kEntailment = {"entailment", "not_entailment"};
// REFERENCE.md §6 and the GLUE loaders of HF datasets use this order for MNLI (and AX, which
// an MNLI model predicts).
const std::vector<std::string> kNli = {"entailment", "neutral", "contradiction"};

// The columns of a split: the index (kNoColumn: the row number), the texts and the label
// (kNoColumn in test files), and the header names of those read, in that order.
struct Columns {
  int min_columns;
  int index;
  int text_a;
  int text_b;
  int label;
  std::vector<std::string> names;
};

GlueSplitLayout split_layout(const std::string& split, const std::string& file,
                             const Columns& columns) {
  GlueSplitLayout layout;
  layout.split = split;
  layout.files = {file};
  layout.min_columns = columns.min_columns;
  layout.index_column = columns.index;
  layout.text_a_column = columns.text_a;
  layout.text_b_column = columns.text_b;
  layout.label_column = columns.label;
  layout.expected_names = columns.names;
  return layout;
}

// A task whose train and dev files share the columns `labelled`, with an unlabelled test.tsv,
// and whose one submission file is <name>.tsv. Empty `labels`: a regression task.
GlueTaskSpec task_spec(GlueTask task, const std::string& name, const Columns& labelled,
                       const Columns& test, std::vector<std::string> labels,
                       std::vector<GlueMetric> metrics) {
  GlueTaskSpec spec;
  spec.task = task;
  spec.name = name;
  for (const char* split : {"train", "dev"}) {
    spec.splits.push_back(split_layout(split, name + "/" + split + ".tsv", labelled));
  }
  spec.splits.push_back(split_layout("test", name + "/test.tsv", test));
  spec.regression = labels.empty();
  spec.labels = std::move(labels);
  spec.metrics = std::move(metrics);
  spec.submissions = {{name + ".tsv", "test"}};
  return spec;
}

GlueTaskSpec cola() {
  // No header: source code, label, the author's original mark ("*" or empty), sentence.
  GlueTaskSpec spec = task_spec(GlueTask::kCoLA, "CoLA", {4, kNoColumn, 3, kNoColumn, 1, {}},
                                {2, 0, 1, kNoColumn, kNoColumn, {"index", "sentence"}}, kBinary,
                                {GlueMetric::kMatthews});
  spec.splits[0].has_header = spec.splits[1].has_header = false;
  return spec;
}

// MNLI: index promptID pairID genre sentence1_binary_parse sentence2_binary_parse
// sentence1_parse sentence2_parse sentence1 sentence2, then label1 (train) or label1..label5
// (dev), then gold_label; test files stop after sentence2. Two dev and two test splits.
GlueTaskSpec mnli() {
  const Columns labelled = {11, 0,           8,
                            9,  kLastColumn, {"index", "sentence1", "sentence2", "gold_label"}};
  const Columns test = {10, 0, 8, 9, kNoColumn, {"index", "sentence1", "sentence2"}};
  GlueTaskSpec spec;
  spec.task = GlueTask::kMNLI;
  spec.name = "MNLI";
  for (const char* split : {"train", "dev_matched", "dev_mismatched"}) {
    spec.splits.push_back(split_layout(split, std::string("MNLI/") + split + ".tsv", labelled));
  }
  for (const char* split : {"test_matched", "test_mismatched"}) {
    spec.splits.push_back(split_layout(split, std::string("MNLI/") + split + ".tsv", test));
  }
  spec.labels = kNli;
  spec.metrics = {GlueMetric::kAccuracy};
  spec.submissions = {{"MNLI-m.tsv", "test_matched"}, {"MNLI-mm.tsv", "test_mismatched"}};
  return spec;
}

// QNLI, RTE, WNLI: index text_a text_b label.
GlueTaskSpec sentence_pair(GlueTask task, const std::string& name, const std::string& a_name,
                           const std::string& b_name, std::vector<std::string> labels) {
  return task_spec(task, name, {4, 0, 1, 2, kLastColumn, {"index", a_name, b_name, "label"}},
                   {3, 0, 1, 2, kNoColumn, {"index", a_name, b_name}}, std::move(labels),
                   {GlueMetric::kAccuracy});
}

// The diagnostic set: test only. GLUE's site serves it as AX.tsv; the download script of the
// GLUE baselines saves it as diagnostic/diagnostic.tsv.
GlueTaskSpec ax() {
  GlueTaskSpec spec;
  spec.task = GlueTask::kAX;
  spec.name = "AX";
  spec.splits = {split_layout("test", "AX/AX.tsv",
                              {3, 0, 1, 2, kNoColumn, {"index", "sentence1", "sentence2"}})};
  spec.splits[0].files.push_back("diagnostic/diagnostic.tsv");
  spec.labels = kNli;
  spec.metrics = {GlueMetric::kMatthews};  // computed by the GLUE server
  spec.submissions = {{"AX.tsv", "test"}};
  return spec;
}

std::string canonical(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

const GlueSplitLayout* GlueTaskSpec::find_split(const std::string& split) const {
  for (const auto& layout : splits) {
    if (layout.split == split) return &layout;
  }
  return nullptr;
}

std::string GlueTaskSpec::split_names() const {
  std::string names;
  for (const auto& layout : splits) names += (names.empty() ? "" : ", ") + layout.split;
  return names;
}

const std::vector<GlueTaskSpec>& glue_tasks() {
  static const std::vector<GlueTaskSpec> tasks = {
      cola(),
      // sentence label
      task_spec(GlueTask::kSST2, "SST-2", {2, kNoColumn, 0, kNoColumn, 1, {"sentence", "label"}},
                {2, 0, 1, kNoColumn, kNoColumn, {"index", "sentence"}}, kBinary,
                {GlueMetric::kAccuracy}),
      // Quality #1_ID #2_ID #1_String #2_String; test: index #1_ID #2_ID #1_String #2_String
      task_spec(GlueTask::kMRPC, "MRPC",
                {5, kNoColumn, 3, 4, 0, {"#1 String", "#2 String", "Quality"}},
                {5, 0, 3, 4, kNoColumn, {"index", "#1 String", "#2 String"}}, kBinary,
                {GlueMetric::kF1, GlueMetric::kAccuracy}),
      // index genre filename year old_index source1 source2 sentence1 sentence2 score
      task_spec(GlueTask::kSTSB, "STS-B",
                {10, 0, 7, 8, kLastColumn, {"index", "sentence1", "sentence2", "score"}},
                {9, 0, 7, 8, kNoColumn, {"index", "sentence1", "sentence2"}}, {},
                {GlueMetric::kPearson, GlueMetric::kSpearman}),
      // id qid1 qid2 question1 question2 is_duplicate; test: id question1 question2
      task_spec(GlueTask::kQQP, "QQP",
                {6, 0, 3, 4, 5, {"id", "question1", "question2", "is_duplicate"}},
                {3, 0, 1, 2, kNoColumn, {"id", "question1", "question2"}}, kBinary,
                {GlueMetric::kF1, GlueMetric::kAccuracy}),
      mnli(),
      sentence_pair(GlueTask::kQNLI, "QNLI", "question", "sentence", kEntailment),
      sentence_pair(GlueTask::kRTE, "RTE", "sentence1", "sentence2", kEntailment),
      sentence_pair(GlueTask::kWNLI, "WNLI", "sentence1", "sentence2", kBinary),
      ax(),
  };
  return tasks;
}

const GlueTaskSpec& glue_task_spec(GlueTask task) {
  for (const auto& spec : glue_tasks()) {
    if (spec.task == task) return spec;
  }
  throw error("unknown GLUE task id {}", static_cast<int>(task));
}

GlueTask parse_glue_task(const std::string& name) {
  std::string known;
  for (const auto& spec : glue_tasks()) {
    if (canonical(spec.name) == canonical(name)) return spec.task;
    known += (known.empty() ? "" : ", ") + spec.name;
  }
  throw usage_error("unknown GLUE task '{}' (known: {})", name, known);
}

std::string glue_metric_name(GlueMetric metric) {
  static constexpr EnumName<GlueMetric> kNames[] = {{GlueMetric::kAccuracy, "accuracy"},
                                                    {GlueMetric::kF1, "f1"},
                                                    {GlueMetric::kMatthews, "matthews"},
                                                    {GlueMetric::kPearson, "pearson"},
                                                    {GlueMetric::kSpearman, "spearman"}};
  return name_of(kNames, metric);
}

std::string glue_entry_name(GlueTask task, const std::string& split) {
  const std::string name = glue_task_spec(task).name;
  if (task != GlueTask::kMNLI) return name;
  if (split == "dev_matched" || split == "test_matched") return "MNLI-m";
  if (split == "dev_mismatched" || split == "test_mismatched") return "MNLI-mm";
  return name;
}

}  // namespace ptk::text::glue
