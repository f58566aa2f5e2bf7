#include "common/io/staged_directory.h"

#include <unistd.h>

#include <filesystem>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::io {

namespace fs = std::filesystem;

namespace {

std::string sibling(const std::string& target, const char* what) {
  fs::path path = fs::path(target);
  if (!path.has_filename()) path = path.parent_path();  // "out/" -> "out"
  return path.string() + "." + what + "-" + std::to_string(::getpid());
}

}  // namespace

StagedDirectory::StagedDirectory(std::string target)
    : target_(std::move(target)), staging_(sibling(target_, "staging")) {
  std::error_code error;
  fs::remove_all(staging_, error);
  fs::create_directories(staging_, error);
  if (error) throw Error("cannot create '" + staging_ + "': " + error.message());
}

StagedDirectory::~StagedDirectory() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagedDirectory::commit() {
  if (committed_) throw Error("'" + target_ + "': committed twice");
  const std::string replaced = sibling(target_, "replaced");
  std::error_code error;
  const bool had_target = fs::exists(target_, error);
  if (had_target) {
    fs::rename(target_, replaced, error);
    if (error) throw Error("cannot move the old '" + target_ + "' aside: " + error.message());
  }
  fs::rename(staging_, target_, error);
  if (error) {
    std::error_code ignored;
    if (had_target) fs::rename(replaced, target_, ignored);
    throw Error("cannot move '" + staging_ + "' to '" + target_ + "': " + error.message());
  }
  committed_ = true;
  if (had_target) fs::remove_all(replaced, error);
  fs::path absolute = fs::absolute(target_);
  if (!absolute.has_filename()) absolute = absolute.parent_path();
  fsync_directory(absolute.parent_path().string());
}

}  // namespace ptk::io
