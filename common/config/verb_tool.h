// The shape every recipe binary shares: `ptk-<tool> <verb> [--config FILE] [--dump-config]
// [key=value ...]`. All verbs of a tool accept the union of their keys, so one config file
// describes a whole run (prepare and train); `<verb> --help` lists the verb's own keys.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::config {

struct Verb {
  std::string name;
  Schema schema;                          // the keys `--help` lists for this verb
  std::function<int(const Config&)> run;  // returns the exit code
};

// Parses the command line, prints `usage` (no verb: to stderr, exit 2; --help: stdout, exit 0)
// or a verb's help, resolves the config against every verb's keys, prints it for --dump-config
// (then exits 0), and otherwise runs the verb. Errors are ptk::Errors for ptk::run_main.
int run_verb_tool(const std::string& tool, const std::string& usage, int argc,
                  const char* const* argv, const std::vector<Verb>& verbs);

}  // namespace ptk::config
