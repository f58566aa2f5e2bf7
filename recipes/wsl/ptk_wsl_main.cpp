// ptk-wsl: the weakly-supervised (hashtag) pretraining recipe.
//   ptk-wsl prepare --config FILE [key=value ...]   manifest -> vocabulary -> image shards
//   ptk-wsl train   --config FILE [key=value ...]   hashtag pretraining (torchrun-ready)
#include <cstdio>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/wsl/prepare.h"
#include "recipes/wsl/wsl_train.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-wsl prepare|train [--config FILE] [--dump-config] [key=value ...]\n"
    "  prepare  hashtag manifest -> WordNet vocabulary -> image shard sets (train/, val/)\n"
    "  train    hashtag pretraining of a ResNeXt on those shards; multi-rank under torchrun\n"
    "`ptk-wsl <verb> --help` lists the verb's keys. Configs: recipes/wsl/configs/*.yaml\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-wsl", [&]() -> int {
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
      std::fputs(kUsage, argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, {"prepare", "train"});
    const bool prepare = command_line.verb == "prepare";
    const ptk::config::Schema own =
        prepare ? ptk::recipes::prepare_schema() : ptk::recipes::wsl_train_schema();
    if (command_line.help) {
      std::printf("usage: ptk-wsl %s [--config FILE] [--dump-config] [key=value ...]\n\n%s",
                  command_line.verb.c_str(), own.help().c_str());
      return 0;
    }
    // Both verbs accept the whole recipe's keys, so one config file describes a run.
    ptk::config::Schema schema = ptk::recipes::prepare_schema();
    schema.merge(ptk::recipes::wsl_train_schema());
    if (!command_line.positionals.empty()) {
      throw ptk::UsageError("unexpected argument '" + command_line.positionals.front() +
                            "' (options are key=value)");
    }
    const ptk::config::Config config = ptk::config::resolve_command_line(schema, command_line);
    if (command_line.dump_config) return 0;
    if (prepare) {
      std::printf("%s\n", ptk::recipes::run_prepare(config).text().c_str());
      return 0;
    }
    return ptk::recipes::run_wsl_train(config);
  });
}
