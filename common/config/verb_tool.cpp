#include "common/config/verb_tool.h"

#include <cstdio>

#include "common/base/error.h"
#include "common/config/command_line.h"

namespace ptk::config {

int run_verb_tool(const std::string& tool, const std::string& usage, int argc,
                  const char* const* argv, const std::vector<Verb>& verbs) {
  if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
    std::fputs(usage.c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::vector<std::string> names;
  Schema schema;
  for (const Verb& verb : verbs) {
    names.push_back(verb.name);
    schema.merge(verb.schema);
  }
  const CommandLine command_line = parse_command_line(argc, argv, names);
  const Verb* verb = nullptr;
  for (const Verb& candidate : verbs) {
    if (candidate.name == command_line.verb) verb = &candidate;
  }
  if (command_line.help) {
    std::printf("usage: %s %s [--config FILE] [--dump-config] [key=value ...]\n\n%s", tool.c_str(),
                verb->name.c_str(), verb->schema.help().c_str());
    return 0;
  }
  if (!command_line.positionals.empty()) {
    throw usage_error("unexpected argument '{}' (options are key=value)",
                      command_line.positionals.front());
  }
  const Config config = resolve_command_line(schema, command_line);
  if (command_line.dump_config) return 0;
  return verb->run(config);
}

}  // namespace ptk::config
