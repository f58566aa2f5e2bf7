// ptk-bert: the BERT masked-LM pretraining recipe.
//   ptk-bert prepare --config FILE [key=value ...]   text -> tokenizer -> token shards
//   ptk-bert train   --config FILE [key=value ...]   MLM + NSP pretraining (torchrun-ready)
// `prepare` joins the job's ranks here and runs its stages in ptk-bert-prepare processes
// (prepare_coordinator.h).
#include <cstdio>
#include <string>

#include "common/base/main_guard.h"
#include "common/config/verb_tool.h"
#include "recipes/bert/bert_phases.h"
#include "recipes/bert/bert_train.h"
#include "recipes/bert/prepare_coordinator.h"
#include "recipes/bert/prepare_options.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-bert prepare|train [--config FILE] [--dump-config] [key=value ...]\n"
    "  prepare  text files -> SentencePiece tokenizer (or a given vocab) -> token shards per\n"
    "           phase length (<prepare.out>/seq<L>/); multi-rank and resumable under torchrun\n"
    "  train    BERT pretraining (MLM + NSP) phase by phase; multi-rank under torchrun\n"
    "`ptk-bert <verb> --help` lists the verb's keys. Configs: recipes/bert/configs/*.yaml\n";

ptk::config::Schema prepare_keys() {
  ptk::config::Schema schema = ptk::recipes::bert_prepare_schema();
  schema.merge(ptk::recipes::bert_phases_schema());
  return schema;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-bert", [&] {
    return ptk::config::run_verb_tool(
        "ptk-bert", kUsage, argc, argv,
        {// prepare's stages run in ptk-bert-prepare (the process split).
         {"prepare", prepare_keys(), ptk::recipes::run_bert_prepare_job},
         {"train", ptk::recipes::bert_train_schema(), ptk::recipes::run_bert_train}});
  });
}
