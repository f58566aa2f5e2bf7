// What every fuzz target shares: a property check that stops the run with a message (libFuzzer
// then saves the input that broke it) and one scratch directory per process for targets that
// must hand the code under test real files. libFuzzer ends with _exit, so the directory stays:
// run.sh points TMPDIR into its own work directory, which it removes.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ptk::fuzz {

// A property of the code under test that did not hold: a finding, like a crash.
inline void expect(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz: property violated: %s\n", what);
    std::abort();
  }
}

// $TMPDIR/ptk-fuzz-XXXXXX, created on first use.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ptk-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("fuzz: cannot create a scratch directory");
      std::abort();
    }
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes `bytes` to `path` (parent directories created), replacing what was there.
inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  expect(static_cast<bool>(out), "cannot write a scratch file");
}

}  // namespace ptk::fuzz
