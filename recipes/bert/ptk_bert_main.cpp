// ptk-bert: the BERT masked-LM pretraining recipe.
//   ptk-bert prepare --config FILE [key=value ...]   text -> tokenizer -> token shards
//   ptk-bert train   --config FILE [key=value ...]   MLM + NSP pretraining (torchrun-ready)
// `prepare` resolves the config here and continues in ptk-bert-prepare (prepare_options.h).
#include <cstdio>
#include <string>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/bert/bert_phases.h"
#include "recipes/bert/bert_train.h"
#include "recipes/bert/prepare_options.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-bert prepare|train [--config FILE] [--dump-config] [key=value ...]\n"
    "  prepare  text files -> SentencePiece tokenizer (or a given vocab) -> token shards per\n"
    "           phase length (<prepare.out>/seq<L>/)\n"
    "  train    BERT pretraining (MLM + NSP) phase by phase; multi-rank under torchrun\n"
    "`ptk-bert <verb> --help` lists the verb's keys. Configs: recipes/bert/configs/*.yaml\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-bert", [&]() -> int {
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
      std::fputs(kUsage, argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, {"prepare", "train"});
    const bool prepare = command_line.verb == "prepare";
    ptk::config::Schema own =
        prepare ? ptk::recipes::bert_prepare_schema() : ptk::recipes::bert_train_schema();
    if (prepare) own.merge(ptk::recipes::bert_phases_schema());
    if (command_line.help) {
      std::printf("usage: ptk-bert %s [--config FILE] [--dump-config] [key=value ...]\n\n%s",
                  command_line.verb.c_str(), own.help().c_str());
      return 0;
    }
    // Both verbs accept the whole recipe's keys, so one config file describes a run.
    ptk::config::Schema schema = ptk::recipes::bert_prepare_schema();
    schema.merge(ptk::recipes::bert_train_schema());
    if (!command_line.positionals.empty()) {
      throw ptk::UsageError("unexpected argument '" + command_line.positionals.front() +
                            "' (options are key=value)");
    }
    const ptk::config::Config config = ptk::config::resolve_command_line(schema, command_line);
    if (command_line.dump_config) return 0;
    // SentencePiece and LibTorch cannot share a process: prepare runs in ptk-bert-prepare.
    if (prepare) ptk::recipes::exec_bert_prepare(config);
    return ptk::recipes::run_bert_train(config);
  });
}
