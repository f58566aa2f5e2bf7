// ptk-demo-glue: builds two small GLUE-format tasks from WordNet 3.0 noun glosses.
//   ptk-demo-glue [--config FILE] [demo.output_dir=DIR] [demo.train_rows=N] ...
// Writes <out>/SST-2/ and <out>/MRPC/ in GLUE's exact layouts, for the GLUE evaluation demo.
#include <iostream>
#include <optional>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/config/option_table.h"
#include "demos/demo_glue.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-demo-glue [--config FILE] [key=value ...]\n"
    "\n"
    "Builds two GLUE-format tasks from WordNet 3.0 noun definitions (wordnet-base), for the\n"
    "GLUE evaluation demo. Output is identical for the same options.\n"
    "\n"
    "  <demo.output_dir>/SST-2/{train,dev,test}.tsv  single sentence, SST-2 layout: is this the\n"
    "      definition of a living thing (1) or of an artifact (0)?\n"
    "  <demo.output_dir>/MRPC/{train,dev,test}.tsv   sentence pair, MRPC layout: is #2 the\n"
    "      definition of the hypernym of #1's noun (1) or of an unrelated noun (0)?\n"
    "\n"
    "Each split has balanced labels; no sentence appears in two splits; test files carry no\n"
    "labels, as in GLUE.\n"
    "\n";

struct DemoGlueCommand {
  std::string output_dir = "demo-glue";
  ptk::demo::DemoGlueOptions demo;  // its defaults are the keys' defaults
};

ptk::config::OptionTable<DemoGlueCommand> demo_glue_table() {
  using C = DemoGlueCommand;
  using O = ptk::demo::DemoGlueOptions;
  using ptk::config::nested;
  ptk::config::OptionTable<C> t;
  t.add("demo.output_dir", &C::output_dir, "output directory (created)")
      .add("demo.train_rows", nested(&C::demo, &O::train_rows), "rows in each task's train.tsv")
      .add("demo.dev_rows", nested(&C::demo, &O::dev_rows), "rows in each task's dev.tsv")
      .add("demo.test_rows", nested(&C::demo, &O::test_rows), "rows in each task's test.tsv")
      .add("demo.seed", nested(&C::demo, &O::seed), "seed of every random choice")
      .add("demo.wordnet_dir", nested(&C::demo, &O::wordnet_dir),
           "WordNet 3.0 database directory (index.noun, data.noun)");
  return t;
}

int run(int argc, char** argv) {
  const auto table = demo_glue_table();
  const std::optional<ptk::config::Config> resolved =
      ptk::config::resolve_tool_command_line(kUsage, table.schema(), argc, argv);
  if (!resolved) return 0;
  const DemoGlueCommand command = table.read(*resolved);
  const std::string& out_dir = command.output_dir;
  const auto stats = ptk::demo::write_demo_glue(command.demo, out_dir);

  std::cout << "Built 2 GLUE-format tasks from " << stats.definitions
            << " distinct WordNet noun definitions:\n";
  for (const auto& file : stats.files) {
    std::cout << "  " << file.path << ": " << file.rows << " rows, " << file.positives
              << " labelled 1\n";
  }
  std::cout << "Read them with the GLUE reader as tasks SST-2 and MRPC of the folder " << out_dir
            << ".\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-demo-glue", [&] { return run(argc, argv); });
}
