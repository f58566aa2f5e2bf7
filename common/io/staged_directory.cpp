#include "common/io/staged_directory.h"

#include <fmt/format.h>
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
  return fmt::format("{}.{}-{}", path.string(), what, ::getpid());
}

}  // namespace

StagedDirectory::StagedDirectory(std::string target)
    : target_(std::move(target)), staging_(sibling(target_, "staging")) {
  std::error_code ec;
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_, ec);
  if (ec) throw error("cannot create '{}': {}", staging_, ec.message());
}

StagedDirectory::~StagedDirectory() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagedDirectory::commit() {
  fail_if(committed_, "'{}': committed twice", target_);
  replace_directory(staging_, target_, sibling(target_, "replaced"));
  committed_ = true;
}

}  // namespace ptk::io
