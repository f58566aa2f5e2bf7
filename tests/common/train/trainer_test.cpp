// The Trainer in-process on one rank with a small regression Task: accumulation and loss
// scaling, gradient clipping, resume bookkeeping, runs without a run directory and the
// precision switch; a fit and the switch also per device (the CPU, and CUDA with bf16 autocast,
// skipped where there is no CUDA device).
#include "common/train/trainer.h"

#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/error.h"
#include "common/io/state_dict.h"
#include "common/train/checkpoint.h"
#include "common/train/precision.h"
#include "tests/common/train/device_cases.h"

namespace ptk::train {
namespace {
namespace fs = std::filesystem;

// y = x . (1, -2, 3) + 0.5 on inputs that are a pure function of (epoch, index).
Batch regression_batch(int64_t epoch, int64_t first, int64_t count) {
  at::Tensor index = at::arange(first, first + count, at::kDouble).unsqueeze(1);
  at::Tensor x = at::sin(index * at::tensor({0.7, 1.3, 2.1}, at::kDouble) + epoch).to(at::kFloat);
  at::Tensor y = x.matmul(at::tensor({1.0f, -2.0f, 3.0f})).unsqueeze(1) + 0.5f;
  Batch batch;
  batch.fields["x"] = x;
  batch.fields["y"] = y;
  batch.size = count;
  return batch;
}

class RegressionStream : public BatchStream {
 public:
  explicit RegressionStream(StreamSpec spec) : spec_(spec) {}
  Batch next() override {
    SampleSlice slice = slice_for(spec_, batch_, micro_);
    if (++micro_ == spec_.accumulation) {
      micro_ = 0;
      ++batch_;
    }
    return regression_batch(slice.epoch, slice.first, slice.count);
  }

 private:
  StreamSpec spec_;
  int64_t batch_ = 0, micro_ = 0;
};

class RegressionTask : public Task {
 public:
  RegressionTask() {
    torch::manual_seed(5);
    linear_ = torch::nn::Linear(3, 1);
  }
  torch::nn::Module& model() override { return *linear_; }
  LossOutput compute_loss(const Batch& batch) override {
    LossOutput output;
    output.loss = torch::nn::functional::mse_loss(linear_->forward(batch.at("x")), batch.at("y"));
    return output;
  }
  int64_t samples_per_epoch() const override { return 32; }
  std::unique_ptr<BatchStream> open_train_stream(const StreamSpec& spec) override {
    return std::make_unique<RegressionStream>(spec);
  }
  torch::nn::Linear linear_{nullptr};
};

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ptk-trainer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  TrainResult train(RegressionTask& task, const std::string& run,
                    std::vector<std::string> overrides) {
    overrides.insert(overrides.begin(),
                     {"run.dir=" + root_ + "/" + run, "train.device=cpu", "train.global_batch=8",
                      "train.steps=6", "train.log_every=2", "optim.name=sgd", "optim.lr=0.05",
                      "optim.weight_decay=0", "schedule.name=constant"});
    config::Config config = config::resolve(trainer_schema(), "", overrides);
    TrainingSetup setup;
    setup.group = dist::ProcessGroup::single();
    return Trainer(config, setup).fit(task);
  }

  std::string root_;
};

TEST_F(TrainerTest, AccumulationTrainsTheModelOfOneFullBatch) {
  RegressionTask whole, split;
  train(whole, "whole", {});
  train(split, "split", {"train.accumulation=4"});
  EXPECT_TRUE(torch::allclose(whole.linear_->weight, split.linear_->weight, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(whole.linear_->bias, split.linear_->bias, 1e-6, 1e-6));
  // And it did train: the untouched initialisation is elsewhere.
  RegressionTask untouched;
  EXPECT_FALSE(torch::allclose(whole.linear_->weight, untouched.linear_->weight, 1e-3, 1e-3));
}

TEST_F(TrainerTest, ClippingBoundsTheGradientNormOfEveryUpdate) {
  // Plain SGD with lr 1: an update is exactly minus the (clipped) gradient.
  RegressionTask task;
  at::Tensor before =
      at::cat({task.linear_->weight.detach().flatten(), task.linear_->bias.detach()}).clone();
  train(task, "clipped",
        {"train.steps=1", "train.clip_norm=0.01", "optim.lr=1", "optim.momentum=0",
         "optim.nesterov=false"});
  at::Tensor after =
      at::cat({task.linear_->weight.detach().flatten(), task.linear_->bias.detach()});
  const double step_norm = (after - before).norm().item<double>();
  EXPECT_LE(step_norm, 0.01 + 1e-6);
  EXPECT_GT(step_norm, 0.009);  // the raw gradient is far larger, so it was clipped to 0.01
}

TEST_F(TrainerTest, SecondFitContinuesFromTheCheckpointToTheSameModel) {
  RegressionTask straight;
  train(straight, "straight", {"checkpoint.every=2"});

  RegressionTask first;
  TrainResult part = train(first, "resumed", {"checkpoint.every=2", "train.steps=4"});
  EXPECT_EQ(part.final_step, 4);
  EXPECT_EQ(part.last_checkpoint, checkpoint_path(root_ + "/resumed", 4));
  // The schedule is constant, so stopping at 4 of 4 and going on to 6 equals 6 in one go.
  RegressionTask second;
  TrainResult rest = train(second, "resumed", {"checkpoint.every=2"});
  EXPECT_EQ(rest.start_step, 4);
  EXPECT_EQ(rest.final_step, 6);
  EXPECT_TRUE(torch::equal(second.linear_->weight, straight.linear_->weight));
  EXPECT_TRUE(torch::equal(second.linear_->bias, straight.linear_->bias));
  EXPECT_TRUE(fs::exists(root_ + "/resumed/config.yaml"));
  EXPECT_TRUE(fs::exists(root_ + "/resumed/metrics.jsonl"));
}

TEST_F(TrainerTest, InitFromStartsFromTheFilesWeightsButNeverOverridesAResume) {
  // Zero steps: the model after fit is exactly what the run started from.
  RegressionTask source;
  train(source, "source", {});
  io::save_torch_state_dict(root_ + "/weights.pth", io::module_state_dict(*source.linear_));

  RegressionTask started;
  train(started, "started", {"train.steps=0", "init.from=" + root_ + "/weights.pth"});
  EXPECT_TRUE(torch::equal(started.linear_->weight, source.linear_->weight));
  EXPECT_TRUE(torch::equal(started.linear_->bias, source.linear_->bias));

  // init.exclude keeps the fresh bias.
  RegressionTask partial, fresh;
  train(partial, "partial",
        {"train.steps=0", "init.from=" + root_ + "/weights.pth", "init.exclude=[bias]"});
  EXPECT_TRUE(torch::equal(partial.linear_->weight, source.linear_->weight));
  EXPECT_TRUE(torch::equal(partial.linear_->bias, fresh.linear_->bias));

  // A run with a checkpoint resumes from it; init.from only applies to a fresh start.
  RegressionTask resumed;
  train(resumed, "source", {"init.from=" + root_ + "/missing.pth"});
  EXPECT_TRUE(torch::equal(resumed.linear_->weight, source.linear_->weight));
  RegressionTask missing;
  EXPECT_THROW(train(missing, "fresh", {"init.from=" + root_ + "/missing.pth"}), Error);
}

TEST_F(TrainerTest, ResumeFalseStartsOverAndDropsTheOldCheckpoints) {
  RegressionTask first;
  train(first, "run", {"checkpoint.every=2"});
  RegressionTask again;
  TrainResult result =
      train(again, "run",
            {"checkpoint.resume=false", "train.steps=3", "checkpoint.every=0", "optim.lr=0.01"});
  EXPECT_EQ(result.start_step, 0);
  EXPECT_EQ(result.final_step, 3);
  // A restart now must not find the first run's step_6.
  EXPECT_EQ(list_checkpoints(root_ + "/run"),
            std::vector<std::string>{checkpoint_path(root_ + "/run", 3)});
}

TEST_F(TrainerTest, GlobalBatchLargerThanAnEpochIsAUsageError) {
  RegressionTask task;
  try {
    train(task, "big", {"train.global_batch=64"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("train.global_batch=64"), std::string::npos);
  }
}

TEST_F(TrainerTest, RunWithoutDirectoryTrainsTheSameModelAndWritesNothing) {
  RegressionTask with_files;
  train(with_files, "files", {"checkpoint.every=0"});

  // The same run built in code, as the evaluation harness's fine-tuning builds it.
  TrainerSettings settings = trainer_settings(
      config::resolve(trainer_schema(), "",
                      {"train.device=cpu", "train.global_batch=8", "train.steps=6",
                       "train.log_every=3", "optim.name=sgd", "optim.lr=0.05",
                       "optim.weight_decay=0", "schedule.name=constant", "checkpoint.every=0"}));
  settings.train.run_dir = "";
  RegressionTask in_memory;
  const fs::path cwd = fs::current_path();
  fs::current_path(root_);  // a stray relative path would land here
  const TrainResult result =
      Trainer(settings, single_process_setup(c10::Device(c10::kCPU))).fit(in_memory);
  fs::current_path(cwd);

  EXPECT_TRUE(torch::equal(with_files.linear_->weight, in_memory.linear_->weight));
  EXPECT_TRUE(torch::equal(with_files.linear_->bias, in_memory.linear_->bias));
  EXPECT_EQ(result.final_step, 6);
  EXPECT_EQ(result.last_checkpoint, "");
  ASSERT_EQ(result.train.count("loss"), 1u);  // the last window's mean loss (steps 4-6)
  EXPECT_GT(result.train.at("loss"), 0.0);
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(root_)) {
    entries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"files"});

  settings.train.checkpoint_every = 2;
  RegressionTask refused;
  EXPECT_THROW(Trainer(settings, single_process_setup(c10::Device(c10::kCPU))).fit(refused), Error);
}

TEST(Precision, AutoIsFp32OnCpuAndBf16NeedsCuda) {
  EXPECT_EQ(resolve_precision("auto", c10::Device(c10::kCPU)), Precision::kFp32);
  EXPECT_EQ(resolve_precision("auto", c10::Device(c10::kCUDA, 0)), Precision::kBf16);
  EXPECT_EQ(resolve_precision("fp32", c10::Device(c10::kCUDA, 0)), Precision::kFp32);
  EXPECT_THROW(resolve_precision("bf16", c10::Device(c10::kCPU)), Error);
  // On the CPU the scope is inert: a matmul stays fp32.
  AutocastScope scope(Precision::kBf16, c10::Device(c10::kCPU));
  EXPECT_EQ(at::ones({2, 2}).matmul(at::ones({2, 2})).scalar_type(), at::kFloat);
}

// ---- on each device -------------------------------------------------------------------------
// The Trainer and the precision switch where a run puts them: the CPU in fp32, and CUDA, where
// train.precision=auto means bf16 autocast, held against the CPU's fp32 result.

class PrecisionOnDevice : public ptk::testing::OnDevice {};

TEST_P(PrecisionOnDevice, AutoIsBf16OnlyOnCudaAndTheScopeCastsOnlyWhileAlive) {
  const Precision precision = resolve_precision("auto", device());
  EXPECT_EQ(precision, on_cuda() ? Precision::kBf16 : Precision::kFp32);
  if (on_cuda()) {
    EXPECT_EQ(resolve_precision("bf16", device()), Precision::kBf16);
  } else {
    EXPECT_THROW(resolve_precision("bf16", device()), Error);
  }
  const at::ScalarType autocast_type = on_cuda() ? at::kBFloat16 : at::kFloat;
  const at::Tensor a = at::ones({2, 2}, at::TensorOptions().device(device()));
  {
    AutocastScope outer(precision, device());
    EXPECT_EQ(a.matmul(a).scalar_type(), autocast_type);
    {
      AutocastScope inner(precision, device());
      EXPECT_EQ(a.matmul(a).scalar_type(), autocast_type);
    }
    // Leaving a nested scope keeps the enclosing one's autocast.
    EXPECT_EQ(a.matmul(a).scalar_type(), autocast_type);
  }
  EXPECT_EQ(a.matmul(a).scalar_type(), at::kFloat);
  AutocastScope fp32(Precision::kFp32, device());
  EXPECT_EQ(a.matmul(a).scalar_type(), at::kFloat);
}

INSTANTIATE_TEST_SUITE_P(CPU, PrecisionOnDevice, ::testing::Values(c10::kCPU));
INSTANTIATE_TEST_SUITE_P(CUDA, PrecisionOnDevice, ::testing::Values(c10::kCUDA));

class TrainerOnDevice : public ptk::testing::OnDevice {
 protected:
  // Fits `task` on `device` with train.precision=auto, without a run directory.
  static TrainResult fit(RegressionTask& task, const c10::Device& device, int steps) {
    TrainerSettings settings = trainer_settings(config::resolve(
        trainer_schema(), "",
        {std::string("train.device=") + (device.is_cuda() ? "cuda" : "cpu"), "train.precision=auto",
         "train.global_batch=8", "train.steps=" + std::to_string(steps),
         "train.log_every=" + std::to_string(steps), "optim.name=sgd", "optim.lr=0.05",
         "optim.weight_decay=0", "schedule.name=constant", "checkpoint.every=0"}));
    settings.train.run_dir = "";
    return Trainer(settings, single_process_setup(device)).fit(task);
  }

  // The fp32 mean squared error of the task's model over the first epoch's 32 samples, on the
  // model's device.
  static double first_epoch_loss(RegressionTask& task) {
    at::NoGradGuard no_grad;
    const Batch batch = regression_batch(0, 0, 32);
    const c10::Device device = task.linear_->weight.device();
    return torch::nn::functional::mse_loss(task.linear_->forward(batch.at("x").to(device)),
                                           batch.at("y").to(device))
        .item<double>();
  }
};

TEST_P(TrainerOnDevice, PrecisionAutoFitsTheRegressionAsTheCpuDoes) {
  constexpr int kSteps = 30;
  RegressionTask on_cpu;
  fit(on_cpu, c10::Device(c10::kCPU), kSteps);

  RegressionTask task;
  const double before = first_epoch_loss(task);
  const TrainResult result = fit(task, device(), kSteps);
  EXPECT_EQ(result.final_step, kSteps);
  EXPECT_EQ(result.skipped_steps, 0);
  EXPECT_EQ(task.linear_->weight.device().type(), GetParam());
  EXPECT_TRUE(ptk::testing::all_finite(task.linear_->weight));
  EXPECT_TRUE(ptk::testing::all_finite(task.linear_->bias));
  EXPECT_LT(first_epoch_loss(task), 0.1 * before);
  // The CPU trains bitwise reproducibly; bf16 rounds every forward and backward matmul.
  const double tolerance = on_cuda() ? ptk::testing::kBf16Tolerance : 0.0;
  EXPECT_LE(ptk::testing::relative_error(task.linear_->weight, on_cpu.linear_->weight), tolerance);
  EXPECT_LE(ptk::testing::relative_error(task.linear_->bias, on_cpu.linear_->bias), tolerance);
}

INSTANTIATE_TEST_SUITE_P(CPU, TrainerOnDevice, ::testing::Values(c10::kCPU));
INSTANTIATE_TEST_SUITE_P(CUDA, TrainerOnDevice, ::testing::Values(c10::kCUDA));

}  // namespace
}  // namespace ptk::train
