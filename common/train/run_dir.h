// The run directory: the one place a run writes (config.yaml, metrics.jsonl, train.log,
// checkpoints/). Opening it prepares it for a fresh start or a resume: rank 0 removes what a
// crashed checkpoint writer left behind and records the resolved config; every rank learns
// which checkpoint (if any) the run continues from.
#pragma once

#include <optional>
#include <string>

namespace ptk::train {

struct RunDir {
  std::string path;
  int removed_temporaries = 0;  // stale *.tmp-* entries rank 0 cleaned up
  int removed_checkpoints = 0;  // checkpoints deleted to start over (checkpoint.resume=false)
};

// Creates `path` (and checkpoints/), and on rank 0 removes stale checkpoint temporaries and
// writes the resolved config (`config_yaml`, Config::to_yaml) to `<path>/config.yaml` atomically.
// With `start_over` (checkpoint.resume=false) rank 0 also deletes the directory's checkpoints, so a
// later restart cannot pick up the old run's. Call find_resume() only after every rank has passed
// this on rank 0 (the Trainer puts a barrier between them). Throws ptk::Error naming the path.
RunDir prepare_run_dir(const std::string& path, int rank, const std::string& config_yaml,
                       bool start_over = false);

// The checkpoint to continue from (see checkpoint.h find_resumable_checkpoint()).
std::optional<std::string> find_resume(const std::string& path);

// <path>/config.yaml.
std::string run_config_path(const std::string& path);

}  // namespace ptk::train
