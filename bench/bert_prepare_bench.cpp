// `ptk-bert prepare` throughput: input megabytes per wall-clock second of the whole command
// (read, tokenize, pack, write token shards, manifests, baseline) on a demo corpus of
// --corpus-mb MB (4 MB ptk-demo-corpus corpora of different seeds, concatenated), with a given
// SentencePiece model so that tokenizer training is not timed. Layouts: 1 rank x 1 and 2 threads
// and 2 ranks x 1 thread under torchrun (whose fixed cost, measured on /bin/true, is also shown
// subtracted). Each layout runs --runs times, alternating; the table gives medians.
//
//   bert_prepare_bench [--dir DIR] [--corpus-mb N] [--parts P] [--runs R]
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/median.h"
#include "bench/shell_command.h"
#include "bench/torchrun_command.h"

namespace fs = std::filesystem;

namespace {

const std::string kBert = std::string(PTK_BINARY_DIR) + "/ptk-bert";
const std::string kDemoCorpus = std::string(PTK_BINARY_DIR) + "/ptk-demo-corpus";
const std::string kConfig = std::string(PTK_SOURCE_DIR) + "/recipes/bert/configs/demo.yaml";

using ptk::bench::command_line;
using ptk::bench::ProcessResult;

ProcessResult run_checked(const std::vector<std::string>& argv) {
  ProcessResult result = ptk::bench::run_process(argv);
  if (result.exit_code != 0) {
    throw std::runtime_error(command_line(argv) + "failed:\n" + result.output);
  }
  return result;
}

std::vector<std::string> torchrun(int ranks, const std::vector<std::string>& command) {
  return ptk::bench::torchrun_command({"torchrun"}, ranks, command);
}

// 4 MB demo corpora of seeds 1, 2, ... concatenated up to `mb` MB.
std::string make_corpus(const fs::path& dir, int mb) {
  const fs::path corpus = dir / "corpus.txt";
  if (fs::exists(corpus) && fs::file_size(corpus) >= static_cast<uint64_t>(mb) << 20) {
    return corpus.string();
  }
  std::ofstream out(corpus, std::ios::binary);
  for (int seed = 1; static_cast<uint64_t>(out.tellp()) < (static_cast<uint64_t>(mb) << 20);
       ++seed) {
    const fs::path chunk = dir / fmt::format("chunk{}", seed);
    run_checked({kDemoCorpus, "demo.output_dir=" + chunk.string(), "demo.corpus_kb=4096",
                 fmt::format("demo.seed={}", seed)});
    std::ifstream in(chunk / "corpus.txt", std::ios::binary);
    out << in.rdbuf() << "\n";
  }
  return corpus.string();
}

struct Layout {
  int ranks;
  int threads;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path() / "ptk-bert-prepare-bench";
  int corpus_mb = 16, parts = 16, runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--corpus-mb") corpus_mb = std::atoi(argv[i + 1]);
    if (flag == "--parts") parts = std::atoi(argv[i + 1]);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
  }
  try {
    fs::create_directories(dir);
    const std::string corpus = make_corpus(dir, corpus_mb);
    const double mb = static_cast<double>(fs::file_size(corpus)) / 1e6;
    // The tokenizer (not timed): SentencePiece on a sample of the first 4 MB chunk.
    const fs::path tokenizer_out = dir / "tokenizer";
    if (!fs::exists(tokenizer_out / "tokenizer.model")) {
      run_checked({kBert, "prepare", "--config", kConfig,
                   "prepare.inputs=[" + (dir / "chunk1/corpus.txt").string() + "]",
                   "prepare.out=" + tokenizer_out.string(), "prepare.lengths=[128]",
                   "prepare.tokenizer_sample_sentences=20000"});
    }
    const std::string model = (tokenizer_out / "tokenizer.model").string();
    const std::vector<Layout> layouts = {{1, 1}, {1, 2}, {2, 1}};
    std::vector<std::vector<double>> seconds(layouts.size());
    std::vector<double> launcher;
    std::string example;
    for (int r = 0; r < runs; ++r) {
      for (size_t l = 0; l < layouts.size(); ++l) {
        const fs::path out = dir / "out";
        fs::remove_all(out);
        std::vector<std::string> command = {kBert,
                                            "prepare",
                                            "--config",
                                            kConfig,
                                            "prepare.inputs=[" + corpus + "]",
                                            "prepare.out=" + out.string(),
                                            "prepare.tokenizer=" + model,
                                            "prepare.lengths=[128]",
                                            fmt::format("prepare.parts={}", parts),
                                            fmt::format("prepare.threads={}", layouts[l].threads)};
        if (layouts[l].ranks > 1) command = torchrun(layouts[l].ranks, command);
        if (l + 1 == layouts.size()) example = command_line(command);
        seconds[l].push_back(run_checked(command).seconds);
      }
      launcher.push_back(run_checked(torchrun(2, {"/bin/true"})).seconds);
    }
    const double launch = ptk::bench::median(launcher);
    std::printf(
        "ptk-bert prepare, %.1f MB corpus (%s), given tokenizer, %d parts, length 128, "
        "classic packing; median of %d runs\n",
        mb, corpus.c_str(), parts, runs);
    std::printf("| ranks x threads | wall s | MB/s | MB/s without torchrun's fixed cost |\n");
    std::printf("|---|---|---|---|\n");
    for (size_t l = 0; l < layouts.size(); ++l) {
      const double s = ptk::bench::median(seconds[l]);
      const double net = layouts[l].ranks > 1 ? s - launch : s;
      std::printf("| %d x %d | %.2f | %.2f | %.2f |\n", layouts[l].ranks, layouts[l].threads, s,
                  mb / s, mb / net);
    }
    std::printf("torchrun fixed cost (2 workers running /bin/true): %.2f s\n", launch);
    std::printf("command (2 ranks): %s\n", example.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bert_prepare_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
