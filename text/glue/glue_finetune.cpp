#include "text/glue/glue_finetune.h"

// clip_grad.h uses torch/types.h's names without including it.
#include <torch/types.h>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <sstream>

#include "common/base/error.h"
#include "common/data/epoch_order.h"
#include "common/data/shard_format.h"
#include "common/dist/process_group.h"
#include "common/dist/reductions.h"
#include "common/train/weight_import.h"
#include "text/glue/glue_reader.h"
#include "text/glue/glue_submission.h"
#include "text/models/bert_heads.h"
#include "text/pretraining/pretraining_vocab.h"
#include "text/tokenizers/tokenizer_process.h"

namespace ptk::text::glue {

namespace {

// One example as the model reads it.
struct EncodedExample {
  std::vector<int64_t> ids, types;
  int label = -1;
  double target = 0;
};

struct EncodedSplit {
  std::string split;
  std::vector<EncodedExample> examples;
  GlueSplit source;
};

// [CLS] a [SEP] (b [SEP]) within max_length, the longer side cut first (as BERT's
// _truncate_seq_pair).
EncodedExample pack(std::vector<int32_t> a, std::vector<int32_t> b, bool pair,
                    const SpecialIds& specials, int64_t max_length) {
  const size_t budget = static_cast<size_t>(max_length - (pair ? 3 : 2));
  while (a.size() + b.size() > budget) {
    (a.size() >= b.size() ? a : b).pop_back();
  }
  EncodedExample example;
  example.ids.push_back(specials.cls);
  example.ids.insert(example.ids.end(), a.begin(), a.end());
  example.ids.push_back(specials.sep);
  example.types.assign(example.ids.size(), 0);
  if (pair) {
    example.ids.insert(example.ids.end(), b.begin(), b.end());
    example.ids.push_back(specials.sep);
    example.types.resize(example.ids.size(), 1);
  }
  return example;
}

EncodedSplit encode_split(GlueSplit split, const TokenizerProcess& tokenizer,
                          const SpecialIds& specials, int64_t max_length, int64_t limit) {
  if (limit > 0 && static_cast<int64_t>(split.examples.size()) > limit) {
    split.examples.resize(static_cast<size_t>(limit));
  }
  const bool pair = glue_task_spec(split.task).splits.front().text_b_column != kNoColumn;
  std::vector<std::string> lines;
  for (const GlueExample& example : split.examples) {
    lines.push_back(example.text_a);
    if (pair) lines.push_back(example.text_b);
  }
  const EncodedLines encoded = tokenizer.encode(lines);
  EncodedSplit out;
  out.split = split.split;
  for (size_t i = 0; i < split.examples.size(); ++i) {
    const size_t row = pair ? 2 * i : i;
    EncodedExample example =
        pack(encoded.ids[row], pair ? encoded.ids[row + 1] : std::vector<int32_t>{}, pair, specials,
             max_length);
    example.label = split.examples[i].label;
    example.target = split.examples[i].target;
    out.examples.push_back(std::move(example));
  }
  out.source = std::move(split);
  return out;
}

struct TensorBatch {
  at::Tensor ids, types, mask, labels;
};

TensorBatch make_batch(const std::vector<EncodedExample>& examples,
                       const std::vector<size_t>& order, size_t begin, size_t end, int64_t pad,
                       bool regression, const c10::Device& device) {
  const int64_t n = static_cast<int64_t>(end - begin);
  int64_t length = 0;
  for (size_t i = begin; i < end; ++i) {
    length = std::max<int64_t>(length, examples[order[i]].ids.size());
  }
  at::Tensor ids = at::full({n, length}, pad, at::kLong);
  at::Tensor types = at::zeros({n, length}, at::kLong);
  at::Tensor mask = at::zeros({n, length}, at::kLong);
  at::Tensor labels = regression ? at::empty({n}, at::kFloat) : at::empty({n}, at::kLong);
  int64_t* id_data = ids.data_ptr<int64_t>();
  int64_t* type_data = types.data_ptr<int64_t>();
  int64_t* mask_data = mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < n; ++b) {
    const EncodedExample& example = examples[order[begin + b]];
    std::copy(example.ids.begin(), example.ids.end(), id_data + b * length);
    std::copy(example.types.begin(), example.types.end(), type_data + b * length);
    std::fill(mask_data + b * length, mask_data + b * length + example.ids.size(), 1);
    if (regression) {
      labels.data_ptr<float>()[b] = static_cast<float>(example.target);
    } else {
      labels.data_ptr<int64_t>()[b] = example.label;
    }
  }
  return {ids.to(device), types.to(device), mask.to(device), labels.to(device)};
}

std::vector<size_t> identity_order(size_t n) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

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
  const std::vector<size_t> order = identity_order(examples.size());
  for (size_t begin = 0; begin < examples.size(); begin += batch) {
    const size_t end = std::min(examples.size(), begin + static_cast<size_t>(batch));
    const TensorBatch input = make_batch(examples, order, begin, end, pad, regression, device);
    const at::Tensor logits = model->forward(input.ids, input.types, input.mask).to(at::kCPU);
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

void train_model(BertForSequenceClassification& model, const std::vector<EncodedExample>& train,
                 double lr, const GlueFinetuneOptions& options, int64_t pad, bool regression,
                 const c10::Device& device) {
  // HF's grouping: no weight decay on biases and LayerNorm weights.
  std::vector<at::Tensor> decayed, plain;
  for (const auto& item : model->named_parameters()) {
    const bool no_decay = item.key().find("bias") != std::string::npos ||
                          item.key().find("LayerNorm") != std::string::npos;
    (no_decay ? plain : decayed).push_back(item.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed,
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(lr).weight_decay(options.weight_decay)));
  groups.emplace_back(plain, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(lr).weight_decay(0.0)));
  torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(lr));
  const int64_t steps_per_epoch =
      (static_cast<int64_t>(train.size()) + options.batch - 1) / options.batch;
  const int64_t total = steps_per_epoch * options.epochs;
  const int64_t warmup = static_cast<int64_t>(std::llround(options.warmup_fraction * total));
  int64_t step = 0;
  std::vector<size_t> order(train.size());
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    // The data layer's keyed permutation, not std::shuffle, whose output differs between
    // standard libraries: the same seed gives the same runs everywhere.
    const data::FeistelPermutation shuffle(
        train.size(), options.seed * 1000003ULL + static_cast<uint64_t>(epoch));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<size_t>(shuffle(i));
    model->train();
    for (size_t begin = 0; begin < train.size(); begin += options.batch, ++step) {
      const double scale = step < warmup ? static_cast<double>(step + 1) / warmup
                                         : std::max(0.0, static_cast<double>(total - step) /
                                                             std::max<int64_t>(1, total - warmup));
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr * scale);
      }
      const size_t end = std::min(train.size(), begin + static_cast<size_t>(options.batch));
      const TensorBatch batch = make_batch(train, order, begin, end, pad, regression, device);
      optimizer.zero_grad();
      const at::Tensor loss = sequence_classification_loss(
          model->forward(batch.ids, batch.types, batch.mask), batch.labels);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      optimizer.step();
    }
  }
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

}  // namespace

GlueRunResult run_glue_finetune(const GlueBackbone& backbone, const GlueFinetuneOptions& options,
                                dist::ProcessGroup& group) {
  if (options.lrs.empty()) throw UsageError("glue.lrs: at least one learning rate is needed");
  TokenizerProcess tokenizer(backbone.tokenizer);
  const PretrainingVocab vocab = PretrainingVocab::read(tokenizer.vocab_file());
  if (vocab.size() != backbone.config.vocab_size) {
    throw Error("tokenizer " + backbone.tokenizer + " has " + std::to_string(vocab.size()) +
                " tokens but the backbone (" + backbone.description + ") has " +
                std::to_string(backbone.config.vocab_size) + " word embeddings");
  }
  const SpecialIds& specials = vocab.specials;
  const c10::Device device(options.device);
  GlueFinetuneOptions run = options;
  run.max_length = std::min(options.max_length, backbone.config.max_position_embeddings);
  const bool wants_ax = std::count(options.tasks.begin(), options.tasks.end(), GlueTask::kAX) > 0;

  GlueRunResult result;
  size_t run_index = 0;
  for (const GlueTask task : options.tasks) {
    if (task == GlueTask::kAX) continue;  // predicted by the MNLI model below
    const GlueTaskSpec& spec = glue_task_spec(task);
    GlueTaskResult task_result;
    task_result.task = task;
    const EncodedSplit train =
        encode_split(read_glue_split(task, options.glue_dir, "train"), tokenizer, specials,
                     run.max_length, options.max_train_examples);
    task_result.reports.push_back(train.source.report());
    task_result.train_examples = static_cast<int64_t>(train.examples.size());
    std::vector<EncodedSplit> devs;
    for (const std::string& split : dev_splits(task)) {
      devs.push_back(encode_split(read_glue_split(task, options.glue_dir, split), tokenizer,
                                  specials, run.max_length, 0));
      task_result.reports.push_back(devs.back().source.report());
    }
    const int64_t labels = spec.regression ? 1 : static_cast<int64_t>(spec.labels.size());
    // Run k of the whole job (over tasks and learning rates) belongs to rank k % world. Each
    // rank trains its runs and keeps the weights of its own best one; then the ranks exchange
    // the runs' results.
    std::vector<GlueLrResult> sweep(options.lrs.size());
    std::vector<int> owners(options.lrs.size());
    io::StateDict best_state;
    double own_best = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < options.lrs.size(); ++i, ++run_index) {
      owners[i] = static_cast<int>(run_index % static_cast<size_t>(group.size()));
      if (owners[i] != group.rank()) continue;
      const double lr = options.lrs[i];
      BertForSequenceClassification model = make_model(backbone, labels, options.seed, device);
      train_model(model, train.examples, lr, run, specials.pad, spec.regression, device);
      GlueLrResult& lr_result = sweep[i];
      lr_result.lr = lr;
      double sum = 0;
      for (const EncodedSplit& dev : devs) {
        const Predictions predictions =
            predict(model, dev.examples, run.batch, specials.pad, spec.regression, device);
        const GlueMetricValues metrics = dev_metrics(task, dev.examples, predictions);
        lr_result.dev[glue_entry_name(task, dev.split)] = metrics;
        sum += mean_of(metrics);
      }
      lr_result.selection_score = sum / static_cast<double>(devs.size());
      spdlog::info("glue: {} lr {:g}: dev score {:.4f}", spec.name, lr, lr_result.selection_score);
      if (best_state.empty() || comparable(lr_result.selection_score) > own_best) {
        own_best = comparable(lr_result.selection_score);
        best_state.clear();
        for (const auto& [name, tensor] : io::module_state_dict(*model)) {
          best_state.emplace_back(name, tensor.detach().clone());
        }
      }
    }
    // The first run with the highest score wins, on every rank alike (the owner of that run has
    // kept it: it is also the first of the owner's runs with the highest score).
    for (size_t i = 0; i < sweep.size(); ++i) {
      if (group.size() > 1) {
        sweep[i] =
            decode_lr_result(dist::broadcast_text(group, encode_lr_result(sweep[i]), owners[i]));
      }
      if (i == 0 || comparable(sweep[i].selection_score) >
                        comparable(sweep[task_result.best].selection_score)) {
        task_result.best = i;
      }
    }
    task_result.sweep = sweep;
    for (const auto& [entry, metrics] : task_result.sweep[task_result.best].dev) {
      result.best_dev[entry] = metrics;
    }
    // The rank that trained the best run predicts the test files with it.
    const int best_owner = owners[task_result.best];
    if (best_owner == group.rank()) {
      BertForSequenceClassification best(backbone.config, labels);
      io::load_module_state_dict(*best, best_state, /*strict=*/true);
      best->to(device);
      task_result.submission_files =
          write_submissions(task, best, tokenizer, specials, run, device);
      if (task == GlueTask::kMNLI && wants_ax) {
        for (const std::string& file :
             write_submissions(GlueTask::kAX, best, tokenizer, specials, run, device)) {
          task_result.submission_files.push_back(file);
        }
      }
    }
    if (group.size() > 1) {
      task_result.submission_files = split_lines(
          dist::broadcast_text(group, join_lines(task_result.submission_files), best_owner));
    }
    for (const std::string& file : task_result.submission_files) {
      result.submission_files.push_back(file);
    }
    result.tasks.push_back(std::move(task_result));
  }
  return result;
}

}  // namespace ptk::text::glue
