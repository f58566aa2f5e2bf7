#include "common/train/run_dir.h"

#include <filesystem>
#include <system_error>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "common/train/checkpoint.h"

namespace ptk::train {
namespace fs = std::filesystem;

std::string run_config_path(const std::string& path) {
  return (fs::path(path) / "config.yaml").string();
}

RunDir prepare_run_dir(const std::string& path, int rank, const std::string& config_yaml,
                       bool start_over) {
  RunDir run;
  run.path = path;
  std::error_code ec;
  fs::create_directories(checkpoints_dir(path), ec);
  if (ec) {
    throw error("cannot create run directory {}: {} (set run.dir to a writable place)", path,
                ec.message());
  }
  if (rank == 0) {
    run.removed_temporaries = remove_stale_checkpoint_temporaries(path);
    if (start_over) {
      for (const std::string& dir : list_checkpoints(path)) {
        delete_checkpoint(dir);
        ++run.removed_checkpoints;
      }
    }
    io::write_file_atomic(run_config_path(path), config_yaml);
  }
  return run;
}

std::optional<std::string> find_resume(const std::string& path) {
  return find_resumable_checkpoint(path);
}

}  // namespace ptk::train
