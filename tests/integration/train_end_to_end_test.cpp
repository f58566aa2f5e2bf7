// End-to-end runs of ptk-toy-train as real processes: multi-rank equivalence over Gloo (spawned
// directly and through torchrun), bitwise resume after SIGKILL, graceful SIGTERM, recovery from
// a checkpoint interrupted mid-write, and non-finite step handling.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <sstream>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/io/atomic_file.h"
#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

// A tiny run: 64 samples per epoch, global batch 8, SGD with Nesterov momentum and warmup, one
// intra-op thread (so the summation order, and the bits, do not depend on the machine).
std::string write_config(const ScratchDir& scratch) {
  const std::string path = scratch / "toy.yaml";
  std::ofstream out(path);
  out << "train:\n  global_batch: 8\n  steps: 12\n  threads: 1\n  seed: 7\n  log_every: 1\n"
      << "  device: cpu\n"
      << "optim:\n  name: sgd\n  lr: 0.1\n  momentum: 0.9\n  weight_decay: 0.0001\n"
      << "schedule:\n  name: cosine\n  warmup_steps: 2\n"
      << "checkpoint:\n  every: 4\n  keep: 2\n"
      << "toy:\n  samples: 64\n  eval_samples: 16\n";
  return path;
}

std::vector<std::string> args(const std::string& config, const std::string& run_dir,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> all{"--config", config, "run.dir=" + run_dir};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

TEST(ToyTrainDistributed, TwoGlooRanksTrainTheOneRankModel) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  ASSERT_EQ(run_toy(args(config, scratch / "one", {"toy.batch_norm=false"}), &output), 0) << output;
  std::vector<std::string> outputs;
  std::vector<int> codes =
      run_toy_ranks(2, args(config, scratch / "two", {"toy.batch_norm=false"}), &outputs);
  ASSERT_EQ(codes, (std::vector<int>{0, 0})) << outputs[0] << outputs[1];
  const double diff =
      max_abs_diff(final_model(scratch / "one", 12), final_model(scratch / "two", 12));
  EXPECT_LT(diff, 1e-5);
}

TEST(ToyTrainDistributed, TwoRanksWithAccumulationTrainTheOneRankModel) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  ASSERT_EQ(run_toy(args(config, scratch / "one", {"toy.batch_norm=false"}), &output), 0) << output;
  std::vector<std::string> outputs;
  std::vector<int> codes = run_toy_ranks(
      2, args(config, scratch / "two", {"toy.batch_norm=false", "train.accumulation=2"}), &outputs);
  ASSERT_EQ(codes, (std::vector<int>{0, 0})) << outputs[0] << outputs[1];
  EXPECT_LT(max_abs_diff(final_model(scratch / "one", 12), final_model(scratch / "two", 12)), 1e-5);
  // Rank 0 reports the run; the loss it logs is the global mean over both ranks' samples.
  EXPECT_NE(outputs[0].find("finished at step 12"), std::string::npos) << outputs[0];
}

TEST(ToyTrainDistributed, TorchrunLaunchesTwoRanksThatTrainTheOneRankModel) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  ASSERT_EQ(run_toy(args(config, scratch / "one", {"toy.batch_norm=false"}), &output), 0) << output;
  std::vector<std::string> command{toy_train_binary()};
  for (const auto& arg : args(config, scratch / "two", {"toy.batch_norm=false"})) {
    command.push_back(arg);
  }
  const std::vector<std::string> argv = torchrun_command(2, command);
  Child torchrun(argv, {}, scratch / "torchrun.log");
  const int code = exit_code(torchrun.wait());
  ASSERT_EQ(code, 0) << torchrun.output();
  EXPECT_LT(max_abs_diff(final_model(scratch / "one", 12), final_model(scratch / "two", 12)), 1e-5);
}

// The PIDs of the processes whose parent is `parent` and whose command line contains `needle`.
std::vector<pid_t> children_of(pid_t parent, const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    fields >> state >> ppid;
    std::ifstream cmdline_file(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)), {});
    if (ppid == parent && cmdline.find(needle) != std::string::npos) {
      found.push_back(std::stoi(name));
    }
  }
  return found;
}

// A worker dies (an OOM kill, a node failure) at several points of the run: early, before the
// first checkpoint; between checkpoints; late. torchrun restarts every worker and the group
// continues from the newest checkpoint to the uninterrupted run's exact parameters.
class TorchrunRestart : public ::testing::TestWithParam<int> {};

TEST_P(TorchrunRestart, KilledWorkerRestartsAndEndsBitwiseEqualToUninterruptedRun) {
  const int kill_after_step = GetParam();
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  const std::vector<std::string> extra{"train.steps=24", "checkpoint.every=4", "toy.sleep_ms=40"};
  std::vector<std::string> outputs;
  ASSERT_EQ(run_toy_ranks(2, args(config, scratch / "straight", extra), &outputs),
            (std::vector<int>{0, 0}))
      << outputs[0] << outputs[1];

  const std::string run = scratch / "elastic";
  std::vector<std::string> command{toy_train_binary()};
  for (const auto& arg : args(config, run, extra)) command.push_back(arg);
  const std::vector<std::string> argv = torchrun_command(2, command, /*max_restarts=*/1);
  Child torchrun(argv, {}, scratch / "torchrun.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (last_logged_step(run) < kill_after_step && torchrun.running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<pid_t> workers = children_of(torchrun.pid(), "ptk-toy-train");
  ASSERT_EQ(workers.size(), 2u) << torchrun.output();
  ::kill(workers.back(), SIGKILL);
  ASSERT_EQ(exit_code(torchrun.wait()), 0) << torchrun.output();
  // Only the restarted attempt finishes; it continued from the newest checkpoint (none yet for
  // an early kill: then from step 0).
  std::smatch match;
  const std::string output = torchrun.output();
  ASSERT_TRUE(
      std::regex_search(output, match, std::regex("finished at step 24 \\(started at ([0-9]+)\\)")))
      << output;
  const int started = std::stoi(match[1]);
  EXPECT_EQ(started % 4, 0) << output;
  EXPECT_LE(started, kill_after_step + 4) << output;  // the kill lands a step or two late
  EXPECT_GE(started, kill_after_step - 4) << output;
  EXPECT_TRUE(bitwise_equal(final_model(scratch / "straight", 24), final_model(run, 24)));
}

INSTANTIATE_TEST_SUITE_P(KillPoints, TorchrunRestart, ::testing::Values(2, 9, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "AfterStep" + std::to_string(info.param);
                         });

TEST(ToyTrainResume, SigkillThenRestartEndsBitwiseEqualToUninterruptedRun) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  // checkpoint.every=2 and 24 steps; each micro-step sleeps so the kill lands mid-run.
  const std::vector<std::string> extra{"train.steps=24", "checkpoint.every=2", "toy.sleep_ms=40"};
  std::string output;
  ASSERT_EQ(run_toy(args(config, scratch / "straight", extra), &output), 0) << output;

  const std::string run = scratch / "killed";
  std::vector<std::string> argv{toy_train_binary()};
  for (const auto& arg : args(config, run, extra)) argv.push_back(arg);
  {
    Child child(argv, {}, scratch / "killed.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (last_logged_step(run) < 7 && child.running() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    child.signal(SIGKILL);
    ASSERT_EQ(exit_code(child.wait()), -SIGKILL) << "the run ended before it could be killed:\n"
                                                 << child.output();
  }
  const auto checkpoint = train::find_resumable_checkpoint(run);
  ASSERT_TRUE(checkpoint.has_value());
  const int64_t resumed_step = train::read_checkpoint_state(*checkpoint).step;
  EXPECT_GE(resumed_step, 6);
  EXPECT_LT(resumed_step, 24);

  ASSERT_EQ(run_toy(args(config, run, extra), &output), 0) << output;
  EXPECT_NE(output.find("started at " + std::to_string(resumed_step)), std::string::npos) << output;
  EXPECT_TRUE(bitwise_equal(final_model(scratch / "straight", 24), final_model(run, 24)));
}

TEST(ToyTrainResume, SigtermOnOneRankCheckpointsEveryRankAndExitsZero) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  const std::string run = scratch / "run";
  // Only the end checkpoint is scheduled, so any earlier one comes from the signal.
  const std::vector<std::string> extra{"train.steps=200", "checkpoint.every=0", "toy.sleep_ms=20"};
  const int port = free_port();
  std::vector<std::string> argv{toy_train_binary()};
  for (const auto& arg : args(config, run, extra)) argv.push_back(arg);
  std::vector<std::unique_ptr<Child>> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.push_back(std::make_unique<Child>(
        argv,
        std::map<std::string, std::string>{{"RANK", std::to_string(rank)},
                                           {"LOCAL_RANK", std::to_string(rank)},
                                           {"WORLD_SIZE", "2"},
                                           {"MASTER_ADDR", "127.0.0.1"},
                                           {"MASTER_PORT", std::to_string(port)}},
        scratch / ("rank" + std::to_string(rank) + ".log")));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (last_logged_step(run) < 3 && ranks[0]->running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ranks[1]->signal(SIGTERM);  // as a scheduler preempting one node would
  for (auto& rank : ranks) ASSERT_EQ(exit_code(rank->wait()), 0) << rank->output();
  EXPECT_NE(ranks[0]->output().find("stopped at step"), std::string::npos) << ranks[0]->output();

  const auto checkpoint = train::find_resumable_checkpoint(run);
  ASSERT_TRUE(checkpoint.has_value());
  const int64_t stopped_step = train::read_checkpoint_state(*checkpoint).step;
  EXPECT_GE(stopped_step, 3);
  EXPECT_LT(stopped_step, 200);

  // The restart (one rank now: the loader position is global) continues from that checkpoint.
  std::string output;
  const int64_t target = stopped_step + 2;
  ASSERT_EQ(run_toy(args(config, run, {"train.steps=" + std::to_string(target)}), &output), 0)
      << output;
  EXPECT_NE(output.find("started at " + std::to_string(stopped_step)), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(train::checkpoint_path(run, target)));
}

TEST(ToyTrainResume, CheckpointInterruptedMidWriteIsIgnored) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  ASSERT_EQ(run_toy(args(config, scratch / "straight", {"train.steps=12"}), &output), 0) << output;

  // The same run, then put back in the state a crash while writing step_12 leaves: the
  // writer's temporary directory with partial files, and a step_12 that lacks files (as after
  // a lost rename of its contents) which `latest` already names.
  const std::string run = scratch / "run";
  ASSERT_EQ(run_toy(args(config, run, {"train.steps=12"}), &output), 0) << output;
  const std::string root = train::checkpoints_dir(run);
  ASSERT_TRUE(train::is_complete_checkpoint(root + "/step_8"));
  fs::rename(root + "/step_12", root + "/step_12.tmp-4242");
  fs::resize_file(root + "/step_12.tmp-4242/model.pt", 100);
  fs::remove(root + "/step_12.tmp-4242/state.yaml");
  fs::create_directories(root + "/step_12");
  fs::copy_file(root + "/step_8/state.yaml", root + "/step_12/state.yaml");
  std::ofstream(root + "/step_12/model.pt") << "partial";
  std::ofstream(root + "/latest", std::ios::trunc) << "step_12\n";
  ASSERT_FALSE(train::is_complete_checkpoint(root + "/step_12"));

  ASSERT_EQ(run_toy(args(config, run, {"train.steps=12"}), &output), 0) << output;
  EXPECT_NE(output.find("started at 8"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(root + "/step_12.tmp-4242"));
  EXPECT_TRUE(bitwise_equal(final_model(scratch / "straight", 12), final_model(run, 12)));
  EXPECT_EQ(*train::find_resumable_checkpoint(run), train::checkpoint_path(run, 12));
  EXPECT_EQ(io::read_file(root + "/latest"), "step_12\n");
}

TEST(ToyTrainNonFinite, PoisonedSampleSkipsItsStepAndCountsIt) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  const std::string run = scratch / "run";
  std::string output;
  // Sample 13 of every epoch is NaN: with batch 8 that is step 1 (and step 9 in epoch 1).
  ASSERT_EQ(run_toy(args(config, run, {"toy.poison_first=13", "toy.poison_count=1"}), &output), 0)
      << output;
  EXPECT_NE(output.find("2 skipped steps"), std::string::npos) << output;
  EXPECT_EQ(last_logged_value(run, "skipped_steps"), 2.0);
  EXPECT_EQ(train::read_checkpoint_state(train::checkpoint_path(run, 12)).skipped_steps, 2);
  for (const auto& [name, tensor] : final_model(run, 12)) {
    EXPECT_TRUE(tensor.isfinite().all().item<bool>()) << name;
  }
}

TEST(ToyTrainNonFinite, TooManyBadStepsInARowStopWithAClearError) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  const int code =
      run_toy(args(config, scratch / "run",
                   {"toy.poison_first=8", "toy.poison_count=40", "train.max_bad_steps=2"}),
              &output);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("ptk-toy-train: error: non-finite loss or gradient in 3 consecutive steps"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("train.max_bad_steps=2"), std::string::npos) << output;
}

TEST(ToyTrainUsage, IndivisibleGlobalBatchIsAUsageError) {
  ScratchDir scratch;
  const std::string config = write_config(scratch);
  std::string output;
  EXPECT_EQ(run_toy(args(config, scratch / "run", {"train.accumulation=3"}), &output), 2);
  EXPECT_NE(output.find("train.global_batch=8 must be divisible"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
