#include "common/io/resumable_directory.h"

#include <filesystem>
#include <sstream>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::io {

namespace fs = std::filesystem;

namespace {

constexpr char kFingerprintFile[] = "job.yaml";
constexpr char kDoneFolder[] = "done";

std::string without_trailing_slash(const std::string& path) {
  fs::path p(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.string();
}

// The first line where two texts differ, quoted from both, for the mismatch error.
std::string first_difference(const std::string& stored, const std::string& wanted) {
  std::istringstream a(stored), b(wanted);
  std::string line_a, line_b;
  while (true) {
    const bool has_a = static_cast<bool>(std::getline(a, line_a));
    const bool has_b = static_cast<bool>(std::getline(b, line_b));
    if (!has_a && !has_b) return "";
    if (!has_a) line_a = "(nothing)";
    if (!has_b) line_b = "(nothing)";
    if (line_a != line_b) return "it has '" + line_a + "', this run '" + line_b + "'";
  }
}

}  // namespace

ResumableDirectory::ResumableDirectory(std::string target, const std::string& fingerprint,
                                       bool create)
    : target_(without_trailing_slash(target)), partial_(target_ + ".partial") {
  const std::string stored_path = (fs::path(partial_) / kFingerprintFile).string();
  std::error_code ec;
  if (fs::exists(stored_path, ec)) {
    const std::string stored = read_file(stored_path);
    if (stored != fingerprint) {
      throw error(
          "'{}' holds an unfinished job with other options ({}): run the same command again to "
          "finish it, or remove that folder to start over",
          partial_, first_difference(stored, fingerprint));
    }
    return;
  }
  fail_if(!create, "'{}' is missing: the job folder was not created", stored_path);
  fs::create_directories(fs::path(partial_) / kDoneFolder, ec);
  if (ec) throw error("cannot create '{}': {}", partial_, ec.message());
  write_file_atomic(stored_path, fingerprint);
}

bool ResumableDirectory::done(const std::string& marker) const {
  std::error_code ec;
  return fs::exists(fs::path(partial_) / kDoneFolder / marker, ec);
}

std::string ResumableDirectory::read(const std::string& marker) const {
  return read_file((fs::path(partial_) / kDoneFolder / marker).string());
}

void ResumableDirectory::mark_done(const std::string& marker, const std::string& text) const {
  write_file_atomic((fs::path(partial_) / kDoneFolder / marker).string(), text);
}

void ResumableDirectory::commit() {
  std::error_code ec;
  fs::remove_all(fs::path(partial_) / kDoneFolder, ec);
  fs::remove(fs::path(partial_) / kFingerprintFile, ec);
  replace_directory(partial_, target_, target_ + ".replaced");
}

}  // namespace ptk::io
