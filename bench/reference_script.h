// How a benchmark runs its Python reference script: under the python3 the build found
// (Debian's, which has h5py and sentencepiece), from this source tree's bench/ folder. A script
// reports its figures on one line of `key=value` pairs, which the benchmark reads back.
#pragma once

#include <cstdio>
#include <string>

namespace ptk::bench {

// Runs a shell command and returns its standard output, or "" when it could not be started.
// Its standard error goes to the terminal.
inline std::string run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char line[512] = {0};
  std::string output;
  while (fgets(line, sizeof(line), pipe) != nullptr) output += line;
  pclose(pipe);
  return output;
}

// Runs bench/<script> with `arguments` (already quoted where needed) and returns its standard
// output, or "" when it could not be started.
inline std::string run_reference_script(const std::string& script, const std::string& arguments) {
  return run_command(std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR + "/bench/" + script + " " +
                     arguments);
}

// The number after " key=" in a script's output, or -1 when it is absent (a failed script).
inline double reported_value(const std::string& output, const std::string& key) {
  const auto at = output.find(" " + key + "=");
  return at == std::string::npos ? -1 : std::stod(output.substr(at + key.size() + 2));
}

}  // namespace ptk::bench
