// ptk-toy-train: the end-to-end tests' training binary. A Task around a small conv net
// (conv-BN-ReLU-conv-ReLU-pool-linear, ~2k parameters) on synthetic images whose pixels and
// labels are a pure function of (seed, epoch, sample index), so any rank count, accumulation or
// restart sees exactly the same samples. BatchNorm statistics are per rank (as in the WSL
// recipe), which makes N ranks differ slightly from one; toy.batch_norm=false removes it for
// the exact 1-rank vs N-rank comparison. toy.poison_* turns chosen samples into NaN images to
// exercise non-finite step handling; toy.sleep_ms slows each micro-step so tests can interrupt
// a run from outside.
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/train/task.h"
#include "common/train/trainer.h"

namespace {

using ptk::train::Batch;
using ptk::train::BatchStream;
using ptk::train::LossOutput;
using ptk::train::StreamSpec;

ptk::config::Schema toy_schema() {
  ptk::config::Schema schema;
  schema.add("toy.samples", 256, "samples per epoch")
      .add("toy.eval_samples", 64, "held-out samples evaluated at the end")
      .add("toy.image_size", 8, "square image side in pixels (3 channels)")
      .add("toy.classes", 4, "number of classes")
      .add("toy.width", 8, "channels of the first conv")
      .add("toy.batch_norm", ptk::config::Value(true), "BatchNorm after the first conv")
      .add("toy.poison_first", -1, "first sample index (in every epoch) made of NaN pixels")
      .add("toy.poison_count", 0, "number of consecutive poisoned samples")
      .add("toy.sleep_ms", 0, "extra milliseconds per micro-step (to interrupt runs in tests)");
  return schema;
}

// splitmix64: a counter-based generator, so a sample's pixels need no generator state.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t sample_key(int64_t seed, int64_t epoch, int64_t index) {
  return mix(mix(mix(static_cast<uint64_t>(seed)) ^ static_cast<uint64_t>(epoch)) ^
             static_cast<uint64_t>(index));
}

struct ToyData {
  int64_t seed = 0;
  int64_t image_size = 8;
  int64_t classes = 4;
  int64_t poison_first = -1;
  int64_t poison_count = 0;

  // Images [count, 3, S, S] and labels [count] of samples [first, first + count) of `epoch`.
  // Class k brightens one horizontal band of the image; the rest is uniform noise.
  Batch make(int64_t epoch, int64_t first, int64_t count) const {
    const int64_t s = image_size;
    at::Tensor images = at::empty({count, 3, s, s}, at::kFloat);
    at::Tensor labels = at::empty({count}, at::kLong);
    float* pixels = images.data_ptr<float>();
    int64_t* label_data = labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i) {
      const int64_t index = first + i;
      const uint64_t key = sample_key(seed, epoch, index);
      const int64_t label = static_cast<int64_t>(mix(key ^ 0x1ABE1ull) % classes);
      label_data[i] = label;
      const bool poisoned =
          poison_first >= 0 && index >= poison_first && index < poison_first + poison_count;
      for (int64_t p = 0; p < 3 * s * s; ++p) {
        const int64_t row = (p / s) % s;
        const double noise = static_cast<double>(mix(key + 1 + p) >> 11) * 0x1.0p-53 - 0.5;
        const bool band = row * classes / s == label;
        float value = static_cast<float>((band ? 1.0 : 0.0) + noise);
        if (poisoned) value = std::numeric_limits<float>::quiet_NaN();
        pixels[i * 3 * s * s + p] = value;
      }
    }
    Batch batch;
    batch.fields["images"] = images;
    batch.fields["labels"] = labels;
    batch.size = count;
    return batch;
  }
};

class ToyStream : public BatchStream {
 public:
  ToyStream(StreamSpec spec, ToyData data) : spec_(spec), data_(data) {}

  Batch next() override {
    ptk::train::SampleSlice slice = ptk::train::slice_for(spec_, batch_index_, micro_step_);
    if (++micro_step_ == spec_.accumulation) {
      micro_step_ = 0;
      ++batch_index_;
    }
    return data_.make(slice.epoch, slice.first, slice.count);
  }

 private:
  StreamSpec spec_;
  ToyData data_;
  int64_t batch_index_ = 0;
  int64_t micro_step_ = 0;
};

class ToyNet : public torch::nn::Module {
 public:
  ToyNet(int64_t width, int64_t classes, bool batch_norm) {
    conv1_ = register_module(
        "conv1",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, 3).padding(1).bias(!batch_norm)));
    if (batch_norm) bn1_ = register_module("bn1", torch::nn::BatchNorm2d(width));
    conv2_ = register_module(
        "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(width, 2 * width, 3).padding(1)));
    fc_ = register_module("fc", torch::nn::Linear(2 * width, classes));
  }

  at::Tensor forward(const at::Tensor& images) {
    at::Tensor x = conv1_->forward(images);
    if (bn1_) x = bn1_->forward(x);
    x = at::relu(x);
    x = at::relu(conv2_->forward(x));
    x = x.mean({2, 3});  // global average pool
    return fc_->forward(x);
  }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

class ToyTask : public ptk::train::Task {
 public:
  explicit ToyTask(const ptk::config::Config& config)
      : net_(std::make_shared<ToyNet>(config.get_int("toy.width"), config.get_int("toy.classes"),
                                      config.get_bool("toy.batch_norm"))),
        samples_(config.get_int("toy.samples")),
        eval_samples_(config.get_int("toy.eval_samples")),
        sleep_ms_(config.get_int("toy.sleep_ms")) {
    data_.seed = config.get_int("train.seed");
    data_.image_size = config.get_int("toy.image_size");
    data_.classes = config.get_int("toy.classes");
    data_.poison_first = config.get_int("toy.poison_first");
    data_.poison_count = config.get_int("toy.poison_count");
    if (samples_ < 1 || data_.image_size < 1 || data_.classes < 2 || eval_samples_ < 0) {
      throw ptk::usage_error(
          "toy.samples and toy.image_size must be >= 1, toy.classes >= 2, toy.eval_samples >= 0");
    }
  }

  torch::nn::Module& model() override { return *net_; }

  LossOutput compute_loss(const Batch& batch) override {
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    at::Tensor logits = net_->forward(batch.at("images"));
    const at::Tensor& labels = batch.at("labels");
    LossOutput output;
    output.loss = torch::nn::functional::cross_entropy(logits, labels);
    const double correct = logits.argmax(1).eq(labels).sum().item<double>();
    output.metrics["top1"] = {correct, static_cast<double>(batch.size)};
    return output;
  }

  int64_t samples_per_epoch() const override { return samples_; }

  std::unique_ptr<BatchStream> open_train_stream(const StreamSpec& spec) override {
    return std::make_unique<ToyStream>(spec, data_);
  }

  // Held-out samples (epoch -1, never trained on), split round-robin over ranks.
  std::map<std::string, ptk::dist::SumCount> evaluate(
      const ptk::train::EvalContext& context) override {
    ptk::dist::SumCount top1;
    for (int64_t i = context.rank; i < eval_samples_; i += context.world_size) {
      Batch batch = data_.make(-1, i, 1);
      at::Tensor logits = net_->forward(batch.at("images").to(context.device));
      top1.sum += logits.argmax(1).cpu().eq(batch.at("labels")).sum().item<double>();
      top1.count += 1;
    }
    return {{"top1", top1}};
  }

 private:
  std::shared_ptr<ToyNet> net_;
  ToyData data_;
  int64_t samples_;
  int64_t eval_samples_;
  int64_t sleep_ms_;
};

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-toy-train", [&]() -> int {
    ptk::config::Schema schema = ptk::train::trainer_schema();
    schema.merge(toy_schema());
    ptk::config::CommandLine command_line = ptk::config::parse_command_line(argc, argv, {});
    if (command_line.help) {
      std::printf(
          "usage: ptk-toy-train [--config FILE] [--dump-config] [key=value ...]\n"
          "Trains a tiny conv net on synthetic images (the end-to-end test model).\n\n%s",
          schema.help().c_str());
      return 0;
    }
    if (!command_line.positionals.empty()) {
      throw ptk::usage_error("unexpected argument '" + command_line.positionals.front() +
                             "' (options are key=value)");
    }
    ptk::config::Config config = ptk::config::resolve_command_line(schema, command_line);
    if (command_line.dump_config) return 0;

    ptk::train::TrainingSetup setup = ptk::train::setup_training(config);
    ToyTask task(config);  // after setup_training: the seed is set, so initialisation repeats
    ptk::train::Trainer trainer(config, setup);
    ptk::train::TrainResult result = trainer.fit(task);
    if (setup.env.rank == 0) {
      std::printf(
          "ptk-toy-train: %s at step %lld (started at %lld), %lld skipped steps, "
          "checkpoint %s\n",
          result.stopped_by_signal ? "stopped" : "finished",
          static_cast<long long>(result.final_step), static_cast<long long>(result.start_step),
          static_cast<long long>(result.skipped_steps), result.last_checkpoint.c_str());
    }
    return 0;
  });
}
