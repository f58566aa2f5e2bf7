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

GlueTaskSpec named_task(GlueTask task, const std::string& name) {
  GlueTaskSpec spec;
  spec.task = task;
  spec.name = name;
  return spec;
}

// Train and dev share a layout in every task but MNLI; the split names differ.
std::vector<GlueSplitLayout> train_and_dev(const std::string& task, GlueSplitLayout layout) {
  GlueSplitLayout train = layout, dev = layout;
  train.split = "train";
  train.files = {task + "/train.tsv"};
  dev.split = "dev";
  dev.files = {task + "/dev.tsv"};
  return {train, dev};
}

GlueSplitLayout test_layout(const std::string& task, int min_columns, int text_a, int text_b,
                            std::vector<std::string> names) {
  GlueSplitLayout test;
  test.split = "test";
  test.files = {task + "/test.tsv"};
  test.min_columns = min_columns;
  test.index_column = 0;
  test.text_a_column = text_a;
  test.text_b_column = text_b;
  test.expected_names = std::move(names);
  return test;
}

GlueTaskSpec cola() {
  GlueTaskSpec spec = named_task(GlueTask::kCoLA, "CoLA");
  // No header: source code, label, the author's original mark ("*" or empty), sentence.
  GlueSplitLayout labelled;
  labelled.has_header = false;
  labelled.min_columns = 4;
  labelled.text_a_column = 3;
  labelled.label_column = 1;
  spec.splits = train_and_dev("CoLA", labelled);
  spec.splits.push_back(test_layout("CoLA", 2, 1, kNoColumn, {"index", "sentence"}));
  spec.labels = kBinary;
  spec.metrics = {GlueMetric::kMatthews};
  spec.submissions = {{"CoLA.tsv", "test"}};
  return spec;
}

GlueTaskSpec sst2() {
  GlueTaskSpec spec = named_task(GlueTask::kSST2, "SST-2");
  GlueSplitLayout labelled;  // sentence label
  labelled.min_columns = 2;
  labelled.text_a_column = 0;
  labelled.label_column = 1;
  labelled.expected_names = {"sentence", "label"};
  spec.splits = train_and_dev("SST-2", labelled);
  spec.splits.push_back(test_layout("SST-2", 2, 1, kNoColumn, {"index", "sentence"}));
  spec.labels = kBinary;
  spec.metrics = {GlueMetric::kAccuracy};
  spec.submissions = {{"SST-2.tsv", "test"}};
  return spec;
}

GlueTaskSpec mrpc() {
  GlueTaskSpec spec = named_task(GlueTask::kMRPC, "MRPC");
  GlueSplitLayout labelled;  // Quality #1 ID #2 ID #1 String #2 String
  labelled.min_columns = 5;
  labelled.text_a_column = 3;
  labelled.text_b_column = 4;
  labelled.label_column = 0;
  labelled.expected_names = {"#1 String", "#2 String", "Quality"};
  spec.splits = train_and_dev("MRPC", labelled);
  spec.splits.push_back(
      test_layout("MRPC", 5, 3, 4, {"index", "#1 String", "#2 String"}));  // index #1 ID ...
  spec.labels = kBinary;
  spec.metrics = {GlueMetric::kF1, GlueMetric::kAccuracy};
  spec.submissions = {{"MRPC.tsv", "test"}};
  return spec;
}

GlueTaskSpec stsb() {
  GlueTaskSpec spec = named_task(GlueTask::kSTSB, "STS-B");
  // index genre filename year old_index source1 source2 sentence1 sentence2 score
  GlueSplitLayout labelled;
  labelled.min_columns = 10;
  labelled.index_column = 0;
  labelled.text_a_column = 7;
  labelled.text_b_column = 8;
  labelled.label_column = kLastColumn;
  labelled.expected_names = {"index", "sentence1", "sentence2", "score"};
  spec.splits = train_and_dev("STS-B", labelled);
  spec.splits.push_back(test_layout("STS-B", 9, 7, 8, {"index", "sentence1", "sentence2"}));
  spec.regression = true;
  spec.metrics = {GlueMetric::kPearson, GlueMetric::kSpearman};
  spec.submissions = {{"STS-B.tsv", "test"}};
  return spec;
}

GlueTaskSpec qqp() {
  GlueTaskSpec spec = named_task(GlueTask::kQQP, "QQP");
  GlueSplitLayout labelled;  // id qid1 qid2 question1 question2 is_duplicate
  labelled.min_columns = 6;
  labelled.index_column = 0;
  labelled.text_a_column = 3;
  labelled.text_b_column = 4;
  labelled.label_column = 5;
  labelled.expected_names = {"id", "question1", "question2", "is_duplicate"};
  spec.splits = train_and_dev("QQP", labelled);
  spec.splits.push_back(test_layout("QQP", 3, 1, 2, {"id", "question1", "question2"}));
  spec.labels = kBinary;
  spec.metrics = {GlueMetric::kF1, GlueMetric::kAccuracy};
  spec.submissions = {{"QQP.tsv", "test"}};
  return spec;
}

GlueTaskSpec mnli() {
  GlueTaskSpec spec = named_task(GlueTask::kMNLI, "MNLI");
  // index promptID pairID genre sentence1_binary_parse sentence2_binary_parse sentence1_parse
  // sentence2_parse sentence1 sentence2, then label1 (train) or label1..label5 (dev), then
  // gold_label; test files stop after sentence2.
  GlueSplitLayout labelled;
  labelled.min_columns = 11;
  labelled.index_column = 0;
  labelled.text_a_column = 8;
  labelled.text_b_column = 9;
  labelled.label_column = kLastColumn;
  labelled.expected_names = {"index", "sentence1", "sentence2", "gold_label"};
  for (const char* split : {"train", "dev_matched", "dev_mismatched"}) {
    GlueSplitLayout layout = labelled;
    layout.split = split;
    layout.files = {std::string("MNLI/") + split + ".tsv"};
    spec.splits.push_back(layout);
  }
  for (const char* split : {"test_matched", "test_mismatched"}) {
    GlueSplitLayout layout = test_layout("MNLI", 10, 8, 9, {"index", "sentence1", "sentence2"});
    layout.split = split;
    layout.files = {std::string("MNLI/") + split + ".tsv"};
    spec.splits.push_back(layout);
  }
  spec.labels = kNli;
  spec.metrics = {GlueMetric::kAccuracy};
  spec.submissions = {{"MNLI-m.tsv", "test_matched"}, {"MNLI-mm.tsv", "test_mismatched"}};
  return spec;
}

// QNLI, RTE, WNLI: index text_a text_b label.
GlueTaskSpec sentence_pair(GlueTask task, const std::string& name, const std::string& a_name,
                           const std::string& b_name, std::vector<std::string> labels) {
  GlueTaskSpec spec = named_task(task, name);
  GlueSplitLayout labelled;
  labelled.min_columns = 4;
  labelled.index_column = 0;
  labelled.text_a_column = 1;
  labelled.text_b_column = 2;
  labelled.label_column = kLastColumn;
  labelled.expected_names = {"index", a_name, b_name, "label"};
  spec.splits = train_and_dev(name, labelled);
  spec.splits.push_back(test_layout(name, 3, 1, 2, {"index", a_name, b_name}));
  spec.labels = std::move(labels);
  spec.metrics = {GlueMetric::kAccuracy};
  spec.submissions = {{name + ".tsv", "test"}};
  return spec;
}

GlueTaskSpec ax() {
  GlueTaskSpec spec = named_task(GlueTask::kAX, "AX");
  // The diagnostic set: test only. GLUE's site serves it as AX.tsv; the download script of
  // the GLUE baselines saves it as diagnostic/diagnostic.tsv.
  GlueSplitLayout test = test_layout("AX", 3, 1, 2, {"index", "sentence1", "sentence2"});
  test.files = {"AX/AX.tsv", "diagnostic/diagnostic.tsv"};
  spec.splits = {test};
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
      sst2(),
      mrpc(),
      stsb(),
      qqp(),
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
  throw Error("unknown GLUE task id " + std::to_string(static_cast<int>(task)));
}

GlueTask parse_glue_task(const std::string& name) {
  std::string known;
  for (const auto& spec : glue_tasks()) {
    if (canonical(spec.name) == canonical(name)) return spec.task;
    known += (known.empty() ? "" : ", ") + spec.name;
  }
  throw usage_error("unknown GLUE task '" + name + "' (known: " + known + ")");
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
