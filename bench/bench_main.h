// What the image benchmarks' main functions share: a working folder for the test data they write,
// and every error reported as one line with its exit code.
#pragma once

#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include "common/base/error.h"

namespace ptk::bench {

// Runs `body` with `dir` as the folder it writes to. An empty `dir` becomes the bench's own
// folder, <temp>/`temp_name`, removed again when `body` succeeds; a given one is kept. An
// exception that escapes `body` is printed as "`name`: error: <what>" on stderr and gives the
// exit code: Error's own (2 for usage errors), 1 for any other. Unlike ptk::run_main it does not
// tune malloc: what a bench times in its own process runs on glibc's defaults.
inline int run_in_work_dir(const char* name, std::string& dir, const char* temp_name,
                           const std::function<void()>& body) {
  namespace fs = std::filesystem;
  const bool own_dir = dir.empty();
  if (own_dir) dir = (fs::temp_directory_path() / temp_name).string();
  try {
    body();
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", name, e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", name, e.what());
    return 1;
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}

}  // namespace ptk::bench
