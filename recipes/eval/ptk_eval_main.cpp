// ptk-eval: the evaluation harness.
//   ptk-eval imagenet --config FILE [key=value ...]   linear probe / kNN / fine-tune on ImageNet
//   ptk-eval glue --config FILE [key=value ...]       BERT fine-tuning sweep on GLUE tasks
// Both run as one process or as several ranks under torchrun / Slurm / MPI (eval_ranks.h).
// One verb per benchmark; each is a Verb entry below with its own schema and run function.
#include <cstdio>

#include "common/base/main_guard.h"
#include "common/config/verb_tool.h"
#include "recipes/eval/eval_ranks.h"
#include "recipes/eval/glue_eval.h"
#include "recipes/eval/imagenet_eval.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-eval imagenet|glue [--config FILE] [--dump-config] [key=value ...]\n"
    "  imagenet  evaluate a backbone on an ImageNet-layout folder: linear probe on cached\n"
    "            frozen features, kNN, fine-tuning; writes results.json + results.md\n"
    "  glue      fine-tune a BERT backbone on GLUE tasks (lr sweep, best dev per task, GLUE\n"
    "            average); writes results.json + results.md + leaderboard files\n"
    "`ptk-eval <verb> --help` lists the verb's keys. Configs: recipes/eval/configs/*.yaml\n";

int run_glue(const ptk::config::Config& config) {
  const ptk::text::glue::GlueEvalOptions options = ptk::text::glue::glue_eval_options(config);
  const std::string summary =
      ptk::recipes::run_glue_eval(options, ptk::recipes::join_eval_ranks(config));
  if (!summary.empty()) std::printf("%s\n", summary.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-eval", [&] {
    return ptk::config::run_verb_tool(
        "ptk-eval", kUsage, argc, argv,
        {{"imagenet", ptk::recipes::imagenet_schema(), ptk::recipes::run_imagenet_eval},
         {"glue", ptk::recipes::glue_schema(), run_glue}});
  });
}
