// ptk-export: a checkpoint of ptk-wsl or ptk-bert for other tools.
//   ptk-export weights  --config FILE [key=value ...]   .pth / safetensors / HF BERT folder
//   ptk-export features --config FILE [key=value ...]   embeddings of images or text -> HDF5
#include <cstdio>
#include <string>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/export/export_options.h"
#include "recipes/export/feature_export.h"
#include "recipes/export/weights_export.h"

namespace {

constexpr char kUsage[] =
    "usage: ptk-export weights|features [--config FILE] [--dump-config] [key=value ...]\n"
    "  weights   export.checkpoint=RUN_OR_STEP_DIR export.out=DIR [export.format=...]\n"
    "            wsl  -> model.pth (torchvision ResNet, load_state_dict strict) or\n"
    "                    model.safetensors; export.head=false drops the hashtag head fc.*\n"
    "            bert -> HF folder: config.json, model.safetensors, tokenizer files\n"
    "  features  export.checkpoint=... export.out=FILE.h5 features.input=IMAGE_DIR|TEXT_FILE\n"
    "            HDF5 datasets features (float32 [n, d]) and ids (file names / line numbers)\n"
    "The recipe (wsl or bert) is read from the checkpoint's stored config. Options are\n"
    "key=value (no --checkpoint flags); `ptk-export <verb> --help` lists the verb's keys.\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-export", [&]() -> int {
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
      std::fputs(kUsage, argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, {"weights", "features"});
    const bool weights = command_line.verb == "weights";
    if (command_line.help) {
      const ptk::config::Schema own =
          weights ? ptk::recipes::weights_schema() : ptk::recipes::features_schema();
      std::printf("usage: ptk-export %s [--config FILE] [--dump-config] [key=value ...]\n\n%s",
                  command_line.verb.c_str(), own.help().c_str());
      return 0;
    }
    if (!command_line.positionals.empty()) {
      throw ptk::UsageError("unexpected argument '" + command_line.positionals.front() +
                            "' (options are key=value, e.g. export.checkpoint=runs/x)");
    }
    const ptk::config::Config config =
        ptk::config::resolve_command_line(ptk::recipes::export_schema(), command_line);
    if (command_line.dump_config) return 0;
    const ptk::recipes::ExportOptions options = ptk::recipes::export_options(config);
    const std::string summary =
        weights ? ptk::recipes::run_weights_export(options)
                : ptk::recipes::run_feature_export(options, ptk::recipes::feature_options(config));
    std::printf("%s\n", summary.c_str());
    return 0;
  });
}
