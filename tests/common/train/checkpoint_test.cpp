// Checkpoint directories on a real filesystem: round trip of model, optimizer and state; the
// newest K are kept; whatever a crashed writer leaves behind is cleaned up or ignored.
#include "common/train/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::train {
namespace {
namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ptk-checkpoint-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    run_ = pattern;
    torch::manual_seed(3);
    model_ = torch::nn::Linear(4, 3);
    optimizer_ = std::make_unique<torch::optim::SGD>(model_->parameters(),
                                                     torch::optim::SGDOptions(0.1).momentum(0.9));
  }
  void TearDown() override { fs::remove_all(run_); }

  // One SGD step so the optimizer has momentum buffers worth saving.
  void train_step() {
    optimizer_->zero_grad();
    model_->forward(torch::ones({2, 4})).pow(2).sum().backward();
    optimizer_->step();
  }

  std::string write(int64_t step, int64_t keep = 3) {
    CheckpointState state;
    state.step = step;
    state.position = {step / 10, (step % 10) * 8};
    state.samples_consumed = step * 8;
    state.seed = 11;
    state.world_size = 2;
    state.skipped_steps = 1;
    state.config_yaml = "train:\n  global_batch: 8\nrun:\n  dir: somewhere\n";
    return write_checkpoint(run_, io::module_state_dict(*model_), *optimizer_, state, keep);
  }

  std::string run_;
  torch::nn::Linear model_{nullptr};
  std::unique_ptr<torch::optim::SGD> optimizer_;
};

TEST_F(CheckpointTest, RoundTripRestoresModelOptimizerAndState) {
  train_step();
  const std::string dir = write(12);
  EXPECT_EQ(dir, checkpoint_path(run_, 12));
  EXPECT_TRUE(is_complete_checkpoint(dir));
  EXPECT_EQ(io::read_file(checkpoints_dir(run_) + "/latest"), "step_12\n");

  CheckpointState state = read_checkpoint_state(dir);
  EXPECT_EQ(state.step, 12);
  EXPECT_EQ(state.position.epoch, 1);
  EXPECT_EQ(state.position.samples_in_epoch, 16);
  EXPECT_EQ(state.samples_consumed, 96);
  EXPECT_EQ(state.seed, 11);
  EXPECT_EQ(state.world_size, 2);
  EXPECT_EQ(state.skipped_steps, 1);
  EXPECT_NE(state.config_yaml.find("global_batch: 8"), std::string::npos) << state.config_yaml;

  // A fresh model and optimizer continue exactly as the saved ones do.
  torch::manual_seed(99);
  torch::nn::Linear other(4, 3);
  torch::optim::SGD other_optimizer(other->parameters(),
                                    torch::optim::SGDOptions(0.1).momentum(0.9));
  io::load_module_state_dict(*other, read_checkpoint_model(dir));
  load_checkpoint_optimizer(dir, other_optimizer);
  train_step();
  other_optimizer.zero_grad();
  other->forward(torch::ones({2, 4})).pow(2).sum().backward();
  other_optimizer.step();
  EXPECT_TRUE(torch::equal(other->weight, model_->weight));
  EXPECT_TRUE(torch::equal(other->bias, model_->bias));
}

TEST_F(CheckpointTest, KeepsOnlyTheNewestCheckpoints) {
  for (int64_t step : {2, 4, 6, 8}) write(step, /*keep=*/2);
  std::vector<std::string> kept = list_checkpoints(run_);
  EXPECT_EQ(kept, (std::vector<std::string>{checkpoint_path(run_, 6), checkpoint_path(run_, 8)}));
  EXPECT_EQ(*find_resumable_checkpoint(run_), checkpoint_path(run_, 8));
  EXPECT_EQ(io::read_file(checkpoints_dir(run_) + "/latest"), "step_8\n");
}

TEST_F(CheckpointTest, CrashLeftoversAreRemovedOrIgnored) {
  write(4);
  const std::string root = checkpoints_dir(run_);
  // A writer killed mid-way, a deletion killed mid-way, and `latest` naming a directory whose
  // files never all arrived.
  fs::create_directories(root + "/step_8.tmp-123");
  std::ofstream(root + "/step_8.tmp-123/model.pt") << "trunc";
  fs::create_directories(root + "/step_2.tmp-delete-77");
  fs::create_directories(root + "/step_6");
  fs::copy_file(root + "/step_4/model.pt", root + "/step_6/model.pt");
  std::ofstream(root + "/latest", std::ios::trunc) << "step_6\n";

  EXPECT_FALSE(is_complete_checkpoint(root + "/step_6"));
  EXPECT_EQ(*find_resumable_checkpoint(run_), checkpoint_path(run_, 4));
  EXPECT_EQ(remove_stale_checkpoint_temporaries(run_), 2);
  EXPECT_FALSE(fs::exists(root + "/step_8.tmp-123"));
  EXPECT_FALSE(fs::exists(root + "/step_2.tmp-delete-77"));

  // Writing step 6 for real replaces the incomplete directory.
  write(6);
  EXPECT_TRUE(is_complete_checkpoint(root + "/step_6"));
  EXPECT_EQ(*find_resumable_checkpoint(run_), checkpoint_path(run_, 6));
}

TEST_F(CheckpointTest, RewritingAStepReplacesIt) {
  write(4);
  train_step();
  write(4);
  io::StateDict saved = read_checkpoint_model(checkpoint_path(run_, 4));
  EXPECT_TRUE(torch::equal(saved[0].second, model_->weight));
  EXPECT_EQ(list_checkpoints(run_).size(), 1u);
}

TEST_F(CheckpointTest, RunWithoutCheckpointsHasNothingToResume) {
  EXPECT_FALSE(find_resumable_checkpoint(run_).has_value());
  EXPECT_EQ(remove_stale_checkpoint_temporaries(run_), 0);
}

TEST_F(CheckpointTest, DamagedStateFileIsAnErrorNamingFileAndKey) {
  const std::string dir = write(4);
  io::write_file_atomic(dir + "/state.yaml", "step: 4\nepoch: x\n");
  try {
    read_checkpoint_state(dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("state.yaml"), std::string::npos) << message;
    EXPECT_NE(message.find("'epoch'"), std::string::npos) << message;
  }
  EXPECT_FALSE(is_complete_checkpoint(dir));
  io::write_file_atomic(dir + "/state.yaml", "[unclosed");
  EXPECT_THROW(read_checkpoint_state(dir), Error);
}

TEST_F(CheckpointTest, GarbageOptimizerFileIsAnErrorNamingTheFile) {
  const std::string dir = write(4);
  io::write_file_atomic(dir + "/optimizer.pt", "not a zip archive");
  try {
    load_checkpoint_optimizer(dir, *optimizer_);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("optimizer.pt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::train
