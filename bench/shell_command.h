// How the multi-process benchmarks run a program (ptk-wsl, ptk-bert, torchrun, /bin/true) and
// time it: through /bin/sh, its words quoted, its standard output and error read together, timed
// by wall clock from the start to its exit.
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/base/error.h"

namespace ptk::bench {

// `word` as one word for /bin/sh: in single quotes, a quote inside it written '\''.
inline std::string quoted(const std::string& word) {
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The words of `argv`, each quoted and followed by a space.
inline std::string command_line(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& word : argv) command += quoted(word) + " ";
  return command;
}

struct ProcessResult {
  int exit_code = -1;  // 128 when the shell did not exit normally
  double seconds = 0;
  std::string output;  // stdout and stderr
};

// Runs `argv` and waits for it. Throws only when the shell cannot be started.
inline ProcessResult run_process(const std::vector<std::string>& argv) {
  const std::string command = command_line(argv) + "2>&1";
  ProcessResult result;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw error("cannot start: {}", command);
  char buffer[4096];
  size_t got = 0;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, got);
  const int status = pclose(pipe);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return result;
}

}  // namespace ptk::bench
