// ptk-export: a checkpoint of ptk-wsl or ptk-bert for other tools.
//   ptk-export weights  --config FILE [key=value ...]   .pth / safetensors / HF BERT folder
//   ptk-export features --config FILE [key=value ...]   embeddings of images or text -> HDF5
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "recipes/export/export_options.h"
#include "recipes/export/feature_export.h"
#include "recipes/export/weights_export.h"

namespace {

// The flag spelling of the common options (`ptk-export --checkpoint runs/x --format hf --out
// dir`), rewritten to the verb + key=value form; without a verb, `weights` is meant.
std::vector<std::string> canonical_arguments(int argc, char** argv) {
  static const std::map<std::string, std::string> kFlags = {{"--checkpoint", "export.checkpoint"},
                                                            {"--format", "export.format"},
                                                            {"--out", "export.out"},
                                                            {"--tokenizer", "export.tokenizer"},
                                                            {"--head", "export.head"},
                                                            {"--input", "features.input"}};
  std::vector<std::string> args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const size_t equals = arg.find('=');
    const auto flag = kFlags.find(arg.substr(0, equals));
    if (flag == kFlags.end()) {
      args.push_back(arg);
    } else if (equals != std::string::npos) {
      args.push_back(flag->second + arg.substr(equals));
    } else if (i + 1 < argc) {
      args.push_back(flag->second + "=" + argv[++i]);
    } else {
      throw ptk::usage_error("{} needs a value", arg);
    }
  }
  if (args.size() > 1 && args[1].rfind("export.", 0) == 0) args.insert(args.begin() + 1, "weights");
  return args;
}

constexpr char kUsage[] =
    "usage: ptk-export weights|features [--config FILE] [--dump-config] [key=value ...]\n"
    "  weights   export.checkpoint=RUN_OR_STEP_DIR export.out=DIR [export.format=...]\n"
    "            wsl  -> model.pth (torchvision ResNet, load_state_dict strict) or\n"
    "                    model.safetensors; export.head=false drops the hashtag head fc.*\n"
    "            bert -> HF folder: config.json, model.safetensors, tokenizer files\n"
    "  features  export.checkpoint=... export.out=FILE.h5 features.input=IMAGE_DIR|TEXT_FILE\n"
    "            HDF5 datasets features (float32 [n, d]) and ids (file names / line numbers)\n"
    "The recipe (wsl or bert) is read from the checkpoint's stored config. Options are\n"
    "key=value; --checkpoint, --format, --out, --tokenizer, --head and --input are accepted\n"
    "as their export.* / features.input keys, and without a verb `weights` is meant:\n"
    "  ptk-export --checkpoint runs/bert --format hf --out export/bert\n"
    "`ptk-export <verb> --help` lists the verb's keys.\n";

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-export", [&]() -> int {
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
      std::fputs(kUsage, argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
    const std::vector<std::string> args = canonical_arguments(argc, argv);
    std::vector<const char*> arg_pointers;
    for (const std::string& arg : args) arg_pointers.push_back(arg.c_str());
    const ptk::config::CommandLine command_line = ptk::config::parse_command_line(
        static_cast<int>(arg_pointers.size()), arg_pointers.data(), {"weights", "features"});
    const bool weights = command_line.verb == "weights";
    if (command_line.help) {
      const ptk::config::Schema own =
          weights ? ptk::recipes::weights_schema() : ptk::recipes::features_schema();
      std::printf("usage: ptk-export %s [--config FILE] [--dump-config] [key=value ...]\n\n%s",
                  command_line.verb.c_str(), own.help().c_str());
      return 0;
    }
    if (!command_line.positionals.empty()) {
      throw ptk::usage_error(
          "unexpected argument '{}' (options are key=value, e.g. export.checkpoint=runs/x)",
          command_line.positionals.front());
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
