// Crash-safe checkpoints of a run: <run>/checkpoints/step_<N>/ holds model.pt (a pickled dict of
// tensors that Python's torch.load reads), optimizer.pt (torch::save of the optimizer) and
// state.yaml (step, loader position, samples, seed, world size, resolved config). A checkpoint
// is built in step_<N>.tmp-<pid>/, every file fsynced, then renamed into place and the parent
// fsynced; `latest` names the newest one and is replaced atomically. A crash at any moment
// leaves the previous checkpoint whole, and find_resumable_checkpoint() picks it.
// These functions do no collectives: the Trainer calls the writers on rank 0 between barriers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/io/state_dict.h"
#include "common/train/task.h"

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace ptk::train {

inline constexpr const char* kModelFile = "model.pt";
inline constexpr const char* kOptimizerFile = "optimizer.pt";
inline constexpr const char* kStateFile = "state.yaml";
inline constexpr const char* kLatestFile = "latest";

// What besides the tensors a run needs to continue exactly: nothing else is kept (randomness
// is a function of (seed, epoch, sample index), so there is no RNG state).
struct CheckpointState {
  int64_t step = 0;              // optimizer steps completed
  LoaderPosition position;       // where the data continues
  int64_t samples_consumed = 0;  // samples trained on so far, all ranks together
  int64_t seed = 0;              // train.seed
  int world_size = 1;            // ranks of the run that wrote it
  int64_t skipped_steps = 0;     // steps skipped for a non-finite loss so far
  std::string config_yaml;       // the resolved config (Config::to_yaml), stored nested
};

// <run_dir>/checkpoints and <run_dir>/checkpoints/step_<step>.
std::string checkpoints_dir(const std::string& run_dir);
std::string checkpoint_path(const std::string& run_dir, int64_t step);

// Removes what a crashed writer left behind: every `*.tmp-*` entry of the checkpoints
// directory. Call on rank 0 before anyone reads checkpoints. Returns how many were removed.
int remove_stale_checkpoint_temporaries(const std::string& run_dir);

// True when `dir` holds all three checkpoint files and its state.yaml parses.
bool is_complete_checkpoint(const std::string& dir);

// The checkpoint to resume from: the newest complete step_<N> directory (the one `latest`
// names, unless a crash hit between renaming a newer one into place and updating `latest`).
// An incomplete directory `latest` points at is ignored. nullopt when there is none.
std::optional<std::string> find_resumable_checkpoint(const std::string& run_dir);

// Deletes a checkpoint directory crash-safely: it is renamed to a `*.tmp-*` name first, so a
// crash mid-way leaves a temporary (cleaned at the next start), never a half-deleted step_<N>.
void delete_checkpoint(const std::string& dir);

// Complete checkpoints of the run, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);

// Writes step_<state.step> as described above, points `latest` at it, then deletes all but the
// newest `keep` checkpoints. A directory of the same step is replaced. Returns the directory.
// Throws ptk::Error naming the file on any I/O failure, leaving older ones intact.
std::string write_checkpoint(const std::string& run_dir, const io::StateDict& model,
                             const torch::optim::Optimizer& optimizer, const CheckpointState& state,
                             int64_t keep);

// Reads state.yaml of a checkpoint directory; ptk::Error naming the file and key when bad.
CheckpointState read_checkpoint_state(const std::string& dir);

// Model tensors of a checkpoint directory (its model.pt).
io::StateDict read_checkpoint_model(const std::string& dir);

// Restores optimizer state (param groups, LR, momenta) from a checkpoint directory; the
// optimizer must have been built over the same parameters.
void load_checkpoint_optimizer(const std::string& dir, torch::optim::Optimizer& optimizer);

}  // namespace ptk::train
