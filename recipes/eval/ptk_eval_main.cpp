// ptk-eval: the evaluation harness.
//   ptk-eval glue --config FILE [key=value ...]   fine-tune a BERT backbone on GLUE tasks
#include <cstdio>

#include "common/base/main_guard.h"
#include "common/config/verb_tool.h"
#include "recipes/eval/glue_eval.h"

int main(int argc, char** argv) {
  return ptk::run_main("ptk-eval", [&]() -> int {
    return ptk::config::run_verb_tool(
        "ptk-eval", "usage: ptk-eval glue [--config FILE] [key=value ...]\n", argc, argv,
        {{"glue", ptk::recipes::glue_eval_schema(), [](const ptk::config::Config& config) {
            std::printf(
                "%s\n",
                ptk::recipes::run_glue_eval(ptk::recipes::glue_eval_options(config)).c_str());
            return 0;
          }}});
  });
}
