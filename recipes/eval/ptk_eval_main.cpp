// ptk-eval: the evaluation harness.
//   ptk-eval imagenet --config FILE [key=value ...]   linear probe / kNN / fine-tune on ImageNet
// One verb per benchmark; each is a Verb entry below with its own schema and run function.
#include "common/base/main_guard.h"
#include "common/config/verb_tool.h"
#include "recipes/eval/imagenet_eval.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-eval imagenet [--config FILE] [--dump-config] [key=value ...]\n"
    "  imagenet  evaluate a backbone on an ImageNet-layout folder: linear probe on cached\n"
    "            frozen features, kNN, fine-tuning; writes results.json + results.md\n"
    "`ptk-eval <verb> --help` lists the verb's keys. Configs: recipes/eval/configs/*.yaml\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-eval", [&] {
    return ptk::config::run_verb_tool(
        "ptk-eval", kUsage, argc, argv,
        {{"imagenet", ptk::recipes::imagenet_schema(), ptk::recipes::run_imagenet_eval}});
  });
}
