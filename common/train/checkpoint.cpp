#include "common/train/checkpoint.h"

#include <fmt/format.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::train {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStepPrefix = "step_";

// The step of a directory name "step_<N>" (digits only), or -1.
int64_t parse_step_name(const std::string& name) {
  if (name.rfind(kStepPrefix, 0) != 0) return -1;
  std::string digits = name.substr(std::string(kStepPrefix).size());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(digits);
}

bool is_temporary_name(const std::string& name) { return name.find(".tmp-") != std::string::npos; }

void remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw error("cannot remove {}: {}", path.string(), ec.message());
}

void retire_checkpoint(const fs::path& dir) {
  fs::path doomed = dir;
  doomed += fmt::format(".tmp-delete-{}", ::getpid());
  std::error_code ec;
  fs::rename(dir, doomed, ec);
  if (ec) throw error("cannot remove old checkpoint {}: {}", dir.string(), ec.message());
  remove_tree(doomed);
}

std::string state_to_yaml(const CheckpointState& state) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "step" << YAML::Value << state.step;
  out << YAML::Key << "epoch" << YAML::Value << state.position.epoch;
  out << YAML::Key << "samples_in_epoch" << YAML::Value << state.position.samples_in_epoch;
  out << YAML::Key << "samples_consumed" << YAML::Value << state.samples_consumed;
  out << YAML::Key << "seed" << YAML::Value << state.seed;
  out << YAML::Key << "world_size" << YAML::Value << state.world_size;
  out << YAML::Key << "skipped_steps" << YAML::Value << state.skipped_steps;
  out << YAML::Key << "config" << YAML::Value;
  YAML::Node config =
      state.config_yaml.empty() ? YAML::Node(YAML::NodeType::Map) : YAML::Load(state.config_yaml);
  out << config;
  out << YAML::EndMap;
  if (!out.good()) throw error("cannot format checkpoint state: {}", out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

std::string optimizer_bytes(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) -> size_t {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  return bytes;
}

}  // namespace

void delete_checkpoint(const std::string& dir) { retire_checkpoint(dir); }

std::string checkpoints_dir(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoints").string();
}

std::string checkpoint_path(const std::string& run_dir, int64_t step) {
  return (fs::path(checkpoints_dir(run_dir)) / fmt::format("{}{}", kStepPrefix, step)).string();
}

int remove_stale_checkpoint_temporaries(const std::string& run_dir) {
  fs::path root = checkpoints_dir(run_dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return 0;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (is_temporary_name(entry.path().filename().string())) stale.push_back(entry.path());
  }
  if (ec) throw error("cannot list {}: {}", root.string(), ec.message());
  for (const auto& path : stale) remove_tree(path);
  return static_cast<int>(stale.size());
}

CheckpointState read_checkpoint_state(const std::string& dir) {
  const std::string path = (fs::path(dir) / kStateFile).string();
  YAML::Node root;
  try {
    root = YAML::Load(io::read_file(path));
  } catch (const YAML::Exception& e) {
    throw error("{}: not valid YAML: {}", path, e.what());
  }
  fail_if(!root.IsMap(), "{}: expected a mapping of checkpoint fields", path);
  auto integer = [&](const char* key) -> int64_t {
    YAML::Node node = root[key];
    fail_if(!node || !node.IsScalar(), "{}: missing key '{}'", path, key);
    try {
      return node.as<int64_t>();
    } catch (const YAML::Exception&) {
      throw error("{}: key '{}' is not an integer: '{}'", path, key, node.Scalar());
    }
  };
  CheckpointState state;
  state.step = integer("step");
  state.position.epoch = integer("epoch");
  state.position.samples_in_epoch = integer("samples_in_epoch");
  state.samples_consumed = integer("samples_consumed");
  state.seed = integer("seed");
  state.world_size = static_cast<int>(integer("world_size"));
  state.skipped_steps = root["skipped_steps"] ? integer("skipped_steps") : 0;
  fail_if(state.step < 0 || state.position.epoch < 0 || state.position.samples_in_epoch < 0 ||
              state.samples_consumed < 0 || state.world_size < 1,
          "{}: negative step, position or sample count, or world_size < 1", path);
  if (root["config"]) {
    YAML::Emitter out;
    out << root["config"];
    state.config_yaml = std::string(out.c_str()) + "\n";
  }
  return state;
}

bool is_complete_checkpoint(const std::string& dir) {
  std::error_code ec;
  for (const char* file : {kModelFile, kOptimizerFile, kStateFile}) {
    if (!fs::is_regular_file(fs::path(dir) / file, ec)) return false;
  }
  try {
    CheckpointState state = read_checkpoint_state(dir);
    return parse_step_name(fs::path(dir).filename().string()) == state.step;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> list_checkpoints(const std::string& run_dir) {
  fs::path root = checkpoints_dir(run_dir);
  std::error_code ec;
  std::vector<std::pair<int64_t, std::string>> found;
  if (!fs::is_directory(root, ec)) return {};
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    int64_t step = parse_step_name(entry.path().filename().string());
    if (step >= 0 && is_complete_checkpoint(entry.path().string())) {
      found.emplace_back(step, entry.path().string());
    }
  }
  if (ec) throw error("cannot list {}: {}", root.string(), ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::string> dirs;
  for (auto& [step, dir] : found) dirs.push_back(std::move(dir));
  return dirs;
}

std::optional<std::string> find_resumable_checkpoint(const std::string& run_dir) {
  // A complete step_<N> only exists after all its files were fsynced and renamed into place,
  // so the newest complete one is the right one even when `latest` lags behind it (crash
  // between the rename and the pointer update) or names a directory that was damaged.
  std::vector<std::string> complete = list_checkpoints(run_dir);
  if (complete.empty()) return std::nullopt;
  return complete.back();
}

std::string write_checkpoint(const std::string& run_dir, const io::StateDict& model,
                             const torch::optim::Optimizer& optimizer, const CheckpointState& state,
                             int64_t keep) {
  const fs::path root = checkpoints_dir(run_dir);
  const fs::path final_dir = checkpoint_path(run_dir, state.step);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw error("cannot create {}: {}", root.string(), ec.message());

  fs::path temp_dir = final_dir;
  temp_dir += fmt::format(".tmp-{}", ::getpid());
  remove_tree(temp_dir);
  fs::create_directory(temp_dir, ec);
  if (ec) throw error("cannot create {}: {}", temp_dir.string(), ec.message());
  try {
    // Each writer fsyncs its file before the directory is published by the rename below.
    io::save_torch_state_dict((temp_dir / kModelFile).string(), model);
    io::write_file_atomic((temp_dir / kOptimizerFile).string(), optimizer_bytes(optimizer));
    io::write_file_atomic((temp_dir / kStateFile).string(), state_to_yaml(state));
    io::fsync_directory(temp_dir.string());
    // A directory of the same step (an incomplete leftover, or a checkpoint of an earlier run
    // that did not resume) is moved aside first: a crash right here loses only that step, and
    // the previous checkpoint is used.
    if (fs::exists(final_dir)) retire_checkpoint(final_dir);
    fs::rename(temp_dir, final_dir, ec);
    if (ec) {
      throw error("cannot rename {} to {}: {}", temp_dir.string(), final_dir.string(),
                  ec.message());
    }
    io::fsync_directory(root.string());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp_dir, ignored);
    throw;
  }

  io::write_file_atomic((root / kLatestFile).string(), final_dir.filename().string() + "\n");

  std::vector<std::string> complete = list_checkpoints(run_dir);
  const size_t kept = static_cast<size_t>(std::max<int64_t>(keep, 1));
  for (size_t i = 0; i + kept < complete.size(); ++i) {
    if (fs::path(complete[i]) == final_dir) continue;
    retire_checkpoint(complete[i]);
  }
  io::fsync_directory(root.string());
  return final_dir.string();
}

io::StateDict read_checkpoint_model(const std::string& dir) {
  return io::load_torch_state_dict((fs::path(dir) / kModelFile).string());
}

void load_checkpoint_optimizer(const std::string& dir, torch::optim::Optimizer& optimizer) {
  const std::string path = (fs::path(dir) / kOptimizerFile).string();
  const std::string bytes = io::read_file(path);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    std::string message = e.what_without_backtrace();
    throw error("{}: cannot restore the optimizer state: {}", path,
                message.substr(0, message.find('\n')));
  }
}

}  // namespace ptk::train
