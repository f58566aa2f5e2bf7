// Runs a benchmark's Python reference, bench/<script>, under the python3 found at configure time
// and reads the `key=value` fields of what it prints. Every bench target defines PTK_PYTHON and
// PTK_SOURCE_DIR, so the reference is the checked-in script, run by Debian's interpreter.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>

namespace ptk::bench {

// The numeric `key=value` fields the script printed on stdout. Empty (after printing the
// script's output to stderr) when it could not be started or printed none of `required`, so a
// broken reference shows up as a failed row, not as a number.
inline std::map<std::string, double> run_reference_script(
    const std::string& script, const std::string& arguments,
    std::initializer_list<const char*> required) {
  const std::string command =
      std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR + "/bench/" + script + " " + arguments;
  std::map<std::string, double> fields;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return fields;
  char line[512] = {0};
  std::string output;
  while (fgets(line, sizeof(line), pipe) != nullptr) output += line;
  pclose(pipe);
  std::istringstream words(output);
  std::string word;
  while (words >> word) {
    const auto equals = word.find('=');
    if (equals == std::string::npos) continue;
    const std::string value = word.substr(equals + 1);
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (!value.empty() && *end == '\0') fields[word.substr(0, equals)] = number;
  }
  for (const char* key : required) {
    if (fields.count(key) == 0) {
      std::fprintf(stderr, "reference %s failed: %s\n", script.c_str(), output.c_str());
      fields.clear();
      break;
    }
  }
  return fields;
}

}  // namespace ptk::bench
