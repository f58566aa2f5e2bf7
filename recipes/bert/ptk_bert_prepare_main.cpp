// ptk-bert-prepare: one stage of `ptk-bert prepare` (prepare.h), in a process without LibTorch
// (the process split: text/tokenizers/tokenizer_process.h). ptk-bert runs it on every rank with
// the resolved prepare.* keys:
//   ptk-bert-prepare sample|tokenizer|pack|finish --config <prepare.out>.partial/prepare.yaml
#include <cstdio>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/bert/prepare.h"
#include "recipes/bert/prepare_options.h"

int main(int argc, char** argv) {
  return ptk::run_main("ptk-bert prepare", [&]() -> int {
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, ptk::recipes::prepare_stage_names());
    const ptk::config::Schema schema = ptk::recipes::bert_prepare_schema();
    if (command_line.help || command_line.verb.empty()) {
      std::printf(
          "usage: ptk-bert-prepare sample|tokenizer|pack|finish --config FILE [key=value ...]\n"
          "(one stage of `ptk-bert prepare`, which runs it on every rank)\n\n%s",
          schema.help().c_str());
      return command_line.help ? 0 : 2;
    }
    if (!command_line.positionals.empty()) {
      throw ptk::usage_error("unexpected argument '{}' (options are key=value)",
                             command_line.positionals.front());
    }
    const ptk::config::Config config = ptk::config::resolve_command_line(schema, command_line);
    if (command_line.dump_config) return 0;
    const ptk::recipes::PrepareStage stage = ptk::recipes::parse_prepare_stage(command_line.verb);
    const ptk::recipes::BertPrepareSummary summary =
        ptk::recipes::run_bert_prepare_stage(config, stage);
    if (stage == ptk::recipes::PrepareStage::kFinish) std::printf("%s\n", summary.text().c_str());
    return 0;
  });
}
