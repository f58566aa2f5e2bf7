// ptk-bert-prepare: the tokenizer and corpus half of `ptk-bert prepare`, in a process without
// LibTorch (prepare_options.h says why). ptk-bert runs it with the resolved prepare.* keys:
//   ptk-bert-prepare --config <prepare.out>/prepare.yaml [key=value ...]
#include <cstdio>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/bert/prepare.h"
#include "recipes/bert/prepare_options.h"

int main(int argc, char** argv) {
  return ptk::run_main("ptk-bert prepare", [&]() -> int {
    const ptk::config::CommandLine command_line = ptk::config::parse_command_line(argc, argv, {});
    const ptk::config::Schema schema = ptk::recipes::bert_prepare_schema();
    if (command_line.help) {
      std::printf(
          "usage: ptk-bert-prepare [--config FILE] [key=value ...] (run by ptk-bert "
          "prepare)\n\n%s",
          schema.help().c_str());
      return 0;
    }
    if (!command_line.positionals.empty()) {
      throw ptk::UsageError("unexpected argument '" + command_line.positionals.front() +
                            "' (options are key=value)");
    }
    const ptk::config::Config config = ptk::config::resolve_command_line(schema, command_line);
    if (command_line.dump_config) return 0;
    std::printf("%s\n", ptk::recipes::run_bert_prepare(config).text().c_str());
    return 0;
  });
}
