// ptk-wsl: the weakly-supervised (hashtag) pretraining recipe.
//   ptk-wsl prepare --config FILE [key=value ...]   manifest -> vocabulary -> image shards
//   ptk-wsl dedup   --config FILE [key=value ...]   training records that copy evaluation images
//   ptk-wsl train   --config FILE [key=value ...]   hashtag pretraining (torchrun-ready)
#include <cstdio>

#include "common/base/main_guard.h"
#include "common/config/verb_tool.h"
#include "recipes/wsl/dedup.h"
#include "recipes/wsl/prepare.h"
#include "recipes/wsl/wsl_train.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-wsl prepare|dedup|train [--config FILE] [--dump-config] [key=value ...]\n"
    "  prepare  hashtag manifest -> WordNet vocabulary -> image shard sets (train/, val/)\n"
    "  dedup    training records that are near-duplicates of evaluation images -> exclusions\n"
    "  train    hashtag pretraining of a ResNeXt on those shards; multi-rank under torchrun\n"
    "`ptk-wsl <verb> --help` lists the verb's keys. Configs: recipes/wsl/configs/*.yaml\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-wsl", [&] {
    return ptk::config::run_verb_tool(
        "ptk-wsl", kUsage, argc, argv,
        {{"prepare", ptk::recipes::prepare_schema(),
          [](const ptk::config::Config& config) {
            std::printf("%s\n", ptk::recipes::run_prepare(config).text().c_str());
            return 0;
          }},
         {"dedup", ptk::recipes::dedup_schema(),
          [](const ptk::config::Config& config) {
            std::printf("%s", ptk::recipes::run_dedup(config).text().c_str());
            return 0;
          }},
         {"train", ptk::recipes::wsl_train_schema(), ptk::recipes::run_wsl_train}});
  });
}
