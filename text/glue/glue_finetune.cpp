#include "text/glue/glue_finetune.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <sstream>

#include "common/base/error.h"
#include "common/data/shard_format.h"
#include "common/dist/process_group.h"
#include "common/dist/reductions.h"
#include "common/train/weight_import.h"
#include "text/glue/glue_encoding.h"
#include "text/glue/glue_reader.h"
#include "text/glue/glue_submission.h"
#include "text/glue/glue_training.h"
#include "text/models/bert_heads.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer_process.h"

namespace ptk::text::glue {

namespace {

// The model's predictions on `examples`: class ids, or scores for regression.
struct Predictions {
  std::vector<int> labels;
  std::vector<double> scores;
};

Predictions predict(BertForSequenceClassification& model,
                    const std::vector<EncodedExample>& examples, int64_t batch, int64_t pad,
                    bool regression, const c10::Device& device) {
  model->eval();
  at::NoGradGuard no_grad;
  Predictions predictions;
  for (size_t begin = 0; begin < examples.size(); begin += batch) {
    const size_t end = std::min(examples.size(), begin + static_cast<size_t>(batch));
    std::vector<int64_t> indices(end - begin);
    std::iota(indices.begin(), indices.end(), static_cast<int64_t>(begin));
    const train::Batch input = make_glue_batch(examples, indices, pad, regression);
    const at::Tensor logits =
        model
            ->forward(input.at("input_ids").to(device), input.at("token_type_ids").to(device),
                      input.at("attention_mask").to(device))
            .to(at::kCPU);
    if (regression) {
      const at::Tensor scores = logits.select(1, 0).to(at::kDouble).contiguous();
      predictions.scores.insert(predictions.scores.end(), scores.data_ptr<double>(),
                                scores.data_ptr<double>() + scores.numel());
    } else {
      const at::Tensor ids = logits.argmax(1).contiguous();
      for (int64_t i = 0; i < ids.numel(); ++i) {
        predictions.labels.push_back(static_cast<int>(ids.data_ptr<int64_t>()[i]));
      }
    }
  }
  return predictions;
}

GlueMetricValues dev_metrics(GlueTask task, const std::vector<EncodedExample>& examples,
                             const Predictions& predictions) {
  if (glue_task_spec(task).regression) {
    std::vector<double> targets;
    for (const EncodedExample& example : examples) targets.push_back(example.target);
    return glue_regression_metrics(targets, predictions.scores);
  }
  std::vector<int> labels;
  for (const EncodedExample& example : examples) labels.push_back(example.label);
  return glue_classification_metrics(task, labels, predictions.labels);
}

// A fresh model: the backbone's encoder weights (if any) and a new head, both seeded.
BertForSequenceClassification make_model(const GlueBackbone& backbone, int64_t labels,
                                         uint64_t seed, const c10::Device& device) {
  torch::manual_seed(seed);
  BertForSequenceClassification model(backbone.config, labels);
  if (!backbone.weights.empty()) {
    io::StateDict encoder;
    for (const auto& [name, tensor] : backbone.weights) {
      if (name.rfind("bert.", 0) == 0) encoder.emplace_back(name, tensor);
    }
    train::import_weights(*model, encoder, {"classifier."}, backbone.description);
  }
  model->to(device);
  return model;
}

double mean_of(const GlueMetricValues& values) {
  double sum = 0;
  for (const auto& entry : values) sum += entry.second;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

std::vector<std::string> dev_splits(GlueTask task) {
  if (task == GlueTask::kMNLI) return {"dev_matched", "dev_mismatched"};
  return {"dev"};
}

std::vector<std::string> test_splits(const GlueTaskSpec& spec, const std::string& glue_dir) {
  std::vector<std::string> splits;
  for (const GlueSubmissionFile& file : spec.submissions) {
    const GlueSplitLayout* layout = spec.find_split(file.split);
    if (layout == nullptr) continue;
    for (const std::string& name : layout->files) {
      if (std::filesystem::exists(std::filesystem::path(glue_dir) / name)) {
        splits.push_back(file.split);
        break;
      }
    }
  }
  return splits;
}

// Predicts each present test split of `task` with `model` and writes its leaderboard file.
std::vector<std::string> write_submissions(GlueTask task, BertForSequenceClassification& model,
                                           const TokenizerProcess& tokenizer,
                                           const SpecialIds& specials,
                                           const GlueFinetuneOptions& options,
                                           const c10::Device& device) {
  std::vector<std::string> files;
  if (options.submission_dir.empty()) return files;
  const GlueTaskSpec& spec = glue_task_spec(task);
  for (const std::string& split : test_splits(spec, options.glue_dir)) {
    const EncodedSplit test = encode_split(read_glue_split(task, options.glue_dir, split),
                                           tokenizer, specials, options.max_length, 0);
    const Predictions predictions =
        predict(model, test.examples, options.batch, specials.pad, spec.regression, device);
    GluePredictions submission;
    for (const GlueExample& example : test.source.examples) {
      submission.indices.push_back(example.index);
    }
    submission.labels = predictions.labels;
    submission.scores = predictions.scores;
    files.push_back(write_glue_submission(options.submission_dir, task, split, submission));
  }
  return files;
}

// A double as the 16 hex digits of its bits: results cross ranks exactly, NaN included.
std::string double_bits(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return data::hex64(bits);
}

double bits_double(const std::string& text) {
  const uint64_t bits = std::stoull(text, nullptr, 16);
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// One run of the sweep as lines of text, for the rank that trained it to hand to the others:
// the learning rate, the selection score, then "entry<TAB>metric<TAB>value" per metric.
std::string encode_lr_result(const GlueLrResult& result) {
  std::ostringstream out;
  out << double_bits(result.lr) << "\n" << double_bits(result.selection_score) << "\n";
  for (const auto& [entry, metrics] : result.dev) {
    for (const auto& [metric, value] : metrics) {
      out << entry << "\t" << static_cast<int>(metric) << "\t" << double_bits(value) << "\n";
    }
  }
  return out.str();
}

GlueLrResult decode_lr_result(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  GlueLrResult result;
  std::getline(in, line);
  result.lr = bits_double(line);
  std::getline(in, line);
  result.selection_score = bits_double(line);
  while (std::getline(in, line)) {
    const size_t first = line.find('\t');
    const size_t second = line.find('\t', first + 1);
    const auto metric = static_cast<GlueMetric>(std::stoi(line.substr(first + 1, second)));
    result.dev[line.substr(0, first)][metric] = bits_double(line.substr(second + 1));
  }
  return result;
}

// A selection score for comparisons: NaN (a metric undefined on this dev set) ranks lowest.
double comparable(double score) {
  return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What every task's sweep shares: the backbone, the options (max_length cut to the model's
// positions), the tokenizer process and its special ids, the device and the ranks.
struct Sweep {
  const GlueBackbone& backbone;
  GlueFinetuneOptions options;
  const TokenizerProcess& tokenizer;
  SpecialIds specials;
  c10::Device device;
  dist::ProcessGroup& group;
};

// A task's training rows and dev splits, encoded; the readers' reports go to `result`.
struct TaskData {
  EncodedSplit train;
  std::vector<EncodedSplit> devs;
};

TaskData read_task_data(const Sweep& sweep, GlueTask task, GlueTaskResult& result) {
  const GlueFinetuneOptions& o = sweep.options;
  TaskData data;
  data.train = encode_split(read_glue_split(task, o.glue_dir, "train"), sweep.tokenizer,
                            sweep.specials, o.max_length, o.max_train_examples);
  result.reports.push_back(data.train.source.report());
  result.train_examples = static_cast<int64_t>(data.train.examples.size());
  for (const std::string& split : dev_splits(task)) {
    data.devs.push_back(encode_split(read_glue_split(task, o.glue_dir, split), sweep.tokenizer,
                                     sweep.specials, o.max_length, 0));
    result.reports.push_back(data.devs.back().source.report());
  }
  return data;
}

int64_t output_count(const GlueTaskSpec& spec) {
  return spec.regression ? 1 : static_cast<int64_t>(spec.labels.size());
}

// One run of the sweep: a fresh model trained at `lr`, scored on the dev splits.
GlueLrResult train_and_score(const Sweep& sweep, GlueTask task, const TaskData& data, double lr,
                             BertForSequenceClassification& model) {
  const GlueTaskSpec& spec = glue_task_spec(task);
  const GlueFinetuneOptions& o = sweep.options;
  model = make_model(sweep.backbone, output_count(spec), o.seed, sweep.device);
  train_glue_model(model, data.train.examples, lr, o, sweep.specials.pad, spec.regression);
  GlueLrResult result;
  result.lr = lr;
  double sum = 0;
  for (const EncodedSplit& dev : data.devs) {
    const Predictions predictions =
        predict(model, dev.examples, o.batch, sweep.specials.pad, spec.regression, sweep.device);
    const GlueMetricValues metrics = dev_metrics(task, dev.examples, predictions);
    result.dev[glue_entry_name(task, dev.split)] = metrics;
    sum += mean_of(metrics);
  }
  result.selection_score = sum / static_cast<double>(data.devs.size());
  spdlog::info("glue: {} lr {:g}: dev score {:.4f}", spec.name, lr, result.selection_score);
  return result;
}

io::StateDict cloned_state(BertForSequenceClassification& model) {
  io::StateDict state;
  for (const auto& [name, tensor] : io::module_state_dict(*model)) {
    state.emplace_back(name, tensor.detach().clone());
  }
  return state;
}

// Gives every rank every run's result (each from the rank that trained it) and picks the first
// run with the highest score, on every rank alike.
void share_sweep(const Sweep& sweep, const std::vector<int>& owners, GlueTaskResult& task_result) {
  for (size_t i = 0; i < task_result.sweep.size(); ++i) {
    if (sweep.group.size() > 1) {
      task_result.sweep[i] = decode_lr_result(
          dist::broadcast_text(sweep.group, encode_lr_result(task_result.sweep[i]), owners[i]));
    }
    if (i == 0 || comparable(task_result.sweep[i].selection_score) >
                      comparable(task_result.sweep[task_result.best].selection_score)) {
      task_result.best = i;
    }
  }
}

// The leaderboard files of `task` (and AX with the MNLI model) predicted by the best run's
// weights, written by the rank that trained it; every rank returns the file names.
std::vector<std::string> write_best_submissions(const Sweep& sweep, GlueTask task,
                                                const io::StateDict& best_state, int best_owner) {
  std::vector<std::string> files;
  if (best_owner == sweep.group.rank()) {
    BertForSequenceClassification best(sweep.backbone.config, output_count(glue_task_spec(task)));
    io::load_module_state_dict(*best, best_state, /*strict=*/true);
    best->to(sweep.device);
    const GlueFinetuneOptions& o = sweep.options;
    files = write_submissions(task, best, sweep.tokenizer, sweep.specials, o, sweep.device);
    const bool wants_ax = std::count(o.tasks.begin(), o.tasks.end(), GlueTask::kAX) > 0;
    if (task == GlueTask::kMNLI && wants_ax) {
      for (const std::string& file : write_submissions(GlueTask::kAX, best, sweep.tokenizer,
                                                       sweep.specials, o, sweep.device)) {
        files.push_back(file);
      }
    }
  }
  if (sweep.group.size() == 1) return files;
  return split_lines(dist::broadcast_text(sweep.group, join_lines(files), best_owner));
}

// The sweep of one task. Run k of the whole job (over tasks and learning rates, counted by
// `run_index`) belongs to rank k % world: each rank trains its runs and keeps the weights of
// its own best one (also the first of its runs with the highest score), then the ranks share
// the runs' results.
GlueTaskResult sweep_task(const Sweep& sweep, GlueTask task, size_t& run_index) {
  GlueTaskResult result;
  result.task = task;
  const TaskData data = read_task_data(sweep, task, result);
  const std::vector<double>& lrs = sweep.options.lrs;
  result.sweep.resize(lrs.size());
  std::vector<int> owners(lrs.size());
  io::StateDict best_state;
  double own_best = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < lrs.size(); ++i, ++run_index) {
    owners[i] = static_cast<int>(run_index % static_cast<size_t>(sweep.group.size()));
    if (owners[i] != sweep.group.rank()) continue;
    BertForSequenceClassification model(nullptr);
    result.sweep[i] = train_and_score(sweep, task, data, lrs[i], model);
    if (best_state.empty() || comparable(result.sweep[i].selection_score) > own_best) {
      own_best = comparable(result.sweep[i].selection_score);
      best_state = cloned_state(model);
    }
  }
  share_sweep(sweep, owners, result);
  result.submission_files = write_best_submissions(sweep, task, best_state, owners[result.best]);
  return result;
}

}  // namespace

GlueRunResult run_glue_finetune(const GlueBackbone& backbone, const GlueFinetuneOptions& options,
                                dist::ProcessGroup& group) {
  if (options.lrs.empty()) throw usage_error("glue.lrs: at least one learning rate is needed");
  TokenizerProcess tokenizer(backbone.tokenizer);
  const PretrainingVocab vocab = PretrainingVocab::read(tokenizer.vocab_file());
  if (vocab.size() != backbone.config.vocab_size) {
    throw error("tokenizer {} has {} tokens but the backbone ({}) has {} word embeddings",
                backbone.tokenizer, vocab.size(), backbone.description, backbone.config.vocab_size);
  }
  Sweep sweep{backbone, options, tokenizer, vocab.specials, c10::Device(options.device), group};
  sweep.options.max_length = std::min(options.max_length, backbone.config.max_position_embeddings);

  GlueRunResult result;
  size_t run_index = 0;
  for (const GlueTask task : options.tasks) {
    if (task == GlueTask::kAX) continue;  // predicted by the MNLI model
    GlueTaskResult task_result = sweep_task(sweep, task, run_index);
    for (const auto& [entry, metrics] : task_result.sweep[task_result.best].dev) {
      result.best_dev[entry] = metrics;
    }
    for (const std::string& file : task_result.submission_files) {
      result.submission_files.push_back(file);
    }
    result.tasks.push_back(std::move(task_result));
  }
  return result;
}

}  // namespace ptk::text::glue
