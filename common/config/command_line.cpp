#include "common/config/command_line.h"

#include <algorithm>
#include <cstdio>

#include "common/base/error.h"

namespace ptk::config {

CommandLine parse_command_line(int argc, const char* const* argv,
                               const std::vector<std::string>& verbs) {
  CommandLine result;
  int first = 1;
  if (!verbs.empty()) {
    std::string list;
    for (const auto& v : verbs) list += (list.empty() ? "" : ", ") + v;
    if (argc < 2) throw usage_error("missing verb; one of: {}", list);
    std::string verb = argv[1];
    if (verb == "-h" || verb == "--help") {
      result.help = true;
      return result;
    }
    if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) {
      throw usage_error("unknown verb '{}'; one of: {}", verb, list);
    }
    result.verb = verb;
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      result.help = true;
    } else if (arg == "--dump-config") {
      result.dump_config = true;
    } else if (arg == "--config") {
      if (i + 1 >= argc) throw usage_error("--config needs a file");
      result.config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      result.config_path = arg.substr(9);
    } else if (!arg.empty() && arg[0] == '-') {
      throw usage_error("unknown option '{}'; see --help", arg);
    } else if (arg.find('=') != std::string::npos) {
      result.overrides.push_back(arg);
    } else {
      result.positionals.push_back(arg);
    }
  }
  return result;
}

Config resolve_command_line(const Schema& schema, const CommandLine& command_line) {
  Config config = resolve(schema, command_line.config_path, command_line.overrides);
  if (command_line.dump_config) {
    std::fputs(config.to_yaml().c_str(), stdout);
    std::fflush(stdout);
  }
  return config;
}

std::optional<Config> resolve_tool_command_line(const std::string& usage, const Schema& schema,
                                                int argc, const char* const* argv) {
  const CommandLine command_line = parse_command_line(argc, argv, {});
  if (command_line.help) {
    std::fputs((usage + schema.help()).c_str(), stdout);
    return std::nullopt;
  }
  if (!command_line.positionals.empty()) {
    throw usage_error("unexpected argument '{}' (options are key=value; see --help)",
                      command_line.positionals.front());
  }
  Config config = resolve_command_line(schema, command_line);
  if (command_line.dump_config) return std::nullopt;
  return config;
}

}  // namespace ptk::config
