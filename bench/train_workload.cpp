#include "bench/train_workload.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <algorithm>
#include <utility>

#include "common/base/error.h"
#include "common/train/optimizer.h"
#include "text/models/bert_heads.h"
#include "vision/models/resnet.h"

namespace ptk::bench {
namespace {

constexpr int64_t kImageClasses = 1000;   // torchvision's ImageNet head
constexpr int64_t kDemoHashtags = 100;    // of the order of the wsl demo's hashtag vocabulary
constexpr double kMaskedFraction = 0.15;  // BERT's masking rate; the MLM head runs only there

bool is_vision(const std::string& model) {
  return model == "resnext50_32x4d" || model == "resnext101_32x8d" || model == "wsl-demo";
}

int64_t default_batch(const std::string& model, bool cuda) {
  if (model == "resnext50_32x4d") return cuda ? 128 : 16;
  if (model == "resnext101_32x8d") return cuda ? 64 : 8;
  if (model == "bert-base") return cuda ? 128 : 8;
  return 64;  // the demo models: one rank's share of the demo configs' global batch
}

vision::ResNetConfig vision_config(const std::string& model) {
  if (model == "wsl-demo") {
    vision::ResNetConfig config = vision::resnet_config("resnext_tiny");
    config.num_classes = kDemoHashtags;
    return config;
  }
  vision::ResNetConfig config = vision::resnet_config(model);
  config.num_classes = kImageClasses;
  return config;
}

text::BertConfig bert_config_for(const WorkloadSpec& spec) {
  text::BertConfig config =
      text::bert_config(spec.model == "bert-demo" ? "bert-tiny" : "bert-base");
  if (spec.model == "bert-demo") {
    config.vocab_size = 4000;  // the demo's SentencePiece vocabulary
    config.max_position_embeddings = 128;
  }
  if (!spec.dropout) {
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
  }
  return config;
}

int64_t masked_per_sequence(int64_t seq_length) {
  return std::max<int64_t>(1, static_cast<int64_t>(kMaskedFraction * seq_length + 0.5));
}

}  // namespace

const std::vector<std::string>& workload_names() {
  static const std::vector<std::string> names{"resnext50_32x4d", "resnext101_32x8d", "bert-base",
                                              "wsl-demo", "bert-demo"};
  return names;
}

WorkloadSpec resolve_workload(WorkloadSpec spec, const c10::Device& device) {
  const auto& names = workload_names();
  if (std::find(names.begin(), names.end(), spec.model) == names.end()) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    throw usage_error("unknown benchmark model '{}' (expected one of {})", spec.model, list);
  }
  if (spec.batch <= 0) spec.batch = default_batch(spec.model, device.is_cuda());
  if (spec.image_size <= 0) spec.image_size = spec.model == "wsl-demo" ? 32 : 224;
  if (spec.seq_length <= 0) spec.seq_length = spec.model == "bert-demo" ? 64 : 128;
  return spec;
}

struct TrainWorkload::State {
  c10::Device device{c10::kCPU};
  train::Precision precision = train::Precision::kFp32;
  vision::ResNet resnet{nullptr};
  text::BertForPreTraining bert{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  // The synthetic batch, on the device.
  at::Tensor images, image_labels;
  at::Tensor input_ids, token_types, attention_mask, masked_positions, mlm_labels, nsp_labels;
  double flops_per_sample = 0;
};

TrainWorkload::TrainWorkload(const WorkloadSpec& spec, const c10::Device& device,
                             train::Precision precision)
    : spec_(resolve_workload(spec, device)), state_(std::make_unique<State>()) {
  State& s = *state_;
  s.device = device;
  s.precision = precision;
  torch::manual_seed(spec_.seed);
  const int64_t n = spec_.batch;
  train::OptimizerOptions options;
  std::vector<std::pair<std::string, at::Tensor>> parameters;
  if (is_vision(spec_.model)) {
    const vision::ResNetConfig config = vision_config(spec_.model);
    s.resnet = vision::ResNet(config);
    s.resnet->to(device);
    s.images = at::randn({n, config.in_channels, spec_.image_size, spec_.image_size});
    s.image_labels = at::randint(config.num_classes, {n}, at::kLong).to(device);
    if (device.is_cuda()) {
      // Tensor cores want NHWC; cuDNN picks the fastest algorithm per shape once.
      vision::convert_to_channels_last(*s.resnet);
      s.images = s.images.contiguous(at::MemoryFormat::ChannelsLast);
      at::globalContext().setBenchmarkCuDNN(true);
    }
    s.images = s.images.to(device);
    for (const auto& item : s.resnet->named_parameters())
      parameters.emplace_back(item.key(), item.value());
    options.name = "sgd";
    options.lr = 0.1;
    options.no_decay_patterns = {"bn", "bias"};
    s.flops_per_sample =
        3.0 * 2.0 *
        static_cast<double>(vision::multiply_adds(config, spec_.image_size, spec_.image_size));
  } else {
    const text::BertConfig config = bert_config_for(spec_);
    const int64_t t = spec_.seq_length, p = masked_per_sequence(t);
    s.bert = text::BertForPreTraining(config);
    s.bert->to(device);
    s.input_ids = at::randint(config.vocab_size, {n, t}, at::kLong).to(device);
    s.token_types =
        at::cat({at::zeros({n, t / 2}, at::kLong), at::ones({n, t - t / 2}, at::kLong)}, 1)
            .to(device);
    s.attention_mask = at::ones({n, t}, at::kLong).to(device);
    // p distinct positions per sequence, as the masking policy draws them.
    s.masked_positions = at::argsort(at::rand({n, t}), /*dim=*/int64_t{1}, /*descending=*/false)
                             .narrow(1, 0, p)
                             .contiguous()
                             .to(device);
    s.mlm_labels = at::randint(config.vocab_size, {n * p}, at::kLong).to(device);
    s.nsp_labels = at::randint(2, {n}, at::kLong).to(device);
    for (const auto& item : s.bert->named_parameters())
      parameters.emplace_back(item.key(), item.value());
    options.name = "adamw";
    options.lr = 1e-4;
    options.weight_decay = 0.01;
    options.no_decay_patterns = {"bias", "LayerNorm"};
    const double h = static_cast<double>(config.hidden_size);
    const double ffn = static_cast<double>(config.intermediate_size);
    const double layers = static_cast<double>(config.num_hidden_layers);
    const double tokens = static_cast<double>(t);
    // Per sequence: Q, K, V, output projections and the FFN per token, QK^T and AV per pair of
    // tokens, the MLM transform and vocabulary projection at the masked positions, the pooler.
    const double macs =
        layers * (tokens * (4.0 * h * h + 2.0 * h * ffn) + 2.0 * tokens * tokens * h) +
        static_cast<double>(p) * (h * h + h * static_cast<double>(config.vocab_size)) + h * h +
        2.0 * h;
    s.flops_per_sample = 3.0 * 2.0 * macs;
  }
  s.optimizer = train::make_optimizer(options, parameters);
}

TrainWorkload::~TrainWorkload() = default;

double TrainWorkload::step() {
  State& s = *state_;
  s.optimizer->zero_grad();
  at::Tensor loss;
  {
    train::AutocastScope autocast(s.precision, s.device);
    if (s.resnet) {
      loss = at::cross_entropy_loss(s.resnet->forward(s.images).to(at::kFloat), s.image_labels);
    } else {
      const text::BertPreTrainingOutput output =
          s.bert->forward(s.input_ids, s.token_types, s.attention_mask, s.masked_positions);
      loss = text::pretraining_loss(output, s.mlm_labels, s.nsp_labels);
    }
  }
  loss.backward();
  s.optimizer->step();
  return loss.item<double>();  // waits for the device, so the step is complete when timed
}

double TrainWorkload::flops_per_sample() const { return state_->flops_per_sample; }

const char* TrainWorkload::sample_unit() const { return state_->resnet ? "img" : "seq"; }

}  // namespace ptk::bench
