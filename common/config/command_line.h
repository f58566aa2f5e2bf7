// The command line every verb shares: `ptk-<tool> <verb> --config FILE [key=value ...]`,
// plus --help and --dump-config. Parsing the options themselves is Config's job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::config {

struct CommandLine {
  std::string verb;                    // first positional argument when the tool has verbs
  std::string config_path;             // --config FILE (or --config=FILE)
  std::vector<std::string> overrides;  // every "key=value"
  std::vector<std::string>
      positionals;           // other bare arguments; a tool that takes none rejects them
  bool help = false;         // -h / --help
  bool dump_config = false;  // --dump-config
};

// `verbs` empty: the tool has no verbs. An unknown flag or verb is a usage error.
CommandLine parse_command_line(int argc, const char* const* argv,
                               const std::vector<std::string>& verbs);

// Resolves the config of a parsed command line against `schema`. When --dump-config was given
// it prints the resolved YAML to stdout; the caller then exits 0.
Config resolve_command_line(const Schema& schema, const CommandLine& command_line);

// The whole command line of a tool without verbs (`ptk-demo-data key=value ...`): prints
// `usage` and the schema's help for --help, rejects bare arguments, resolves the config and
// prints it for --dump-config. Returns nothing when the tool should exit 0 without running.
std::optional<Config> resolve_tool_command_line(const std::string& usage, const Schema& schema,
                                                int argc, const char* const* argv);

}  // namespace ptk::config
