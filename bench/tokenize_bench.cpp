// Tokenise + pack throughput: what `ptk-bert prepare` runs once its tokenizer exists
// (text::CorpusBuilder: read sentence-per-line text, SentencePiece-encode on T threads, pack
// into 128-token sequences, write token shards) against what a user would write in Python
// (bench/tokenize_reference.py: sentencepiece's batch encode on T threads, then a packing loop),
// on the same English text (WordNet glosses + GCIDE, built here) and the same model (trained
// here with prepare's options unless --tokenizer names one). Runs alternate ptk / Python.
//
//   tokenize_bench [--dir DIR] [--corpus-mib N] [--vocab-size N] [--tokenizer FILE] [--runs N]
//
// The ratio compares contiguous packing (RoBERTa's), which a user's plain loop does too, so the
// two sides must make the same sequences and the bench checks that they do. prepare's default,
// classic packing (sentence pairs + NSP), is timed alongside for what `prepare` costs as it is.
//
// Links no LibTorch (the process split: text/tokenizers/tokenizer_process.h); nothing measured
// here needs it.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/median.h"
#include "bench/reference_script.h"
#include "demos/text_corpus.h"
#include "text/corpus/corpus_builder.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"

namespace fs = std::filesystem;

namespace {

using ptk::bench::median;

using namespace ptk;

constexpr char kUsage[] =
    "usage: tokenize_bench [--dir DIR] [--corpus-mib N] [--vocab-size N] [--tokenizer FILE] "
    "[--runs N]\n";
constexpr int32_t kSequenceLength = 128;  // BERT phase 1, prepare's first length

struct Run {
  double mb_per_s = 0;
  int64_t sequences = 0;
  int64_t tokens = 0;  // in the packed sequences, [CLS]/[SEP] included
};

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return "unknown";
  return one + " " + five + " " + fifteen;
}

// Throughput of two threads over one on a loop that needs nothing but a core: 2.0 when both
// cores are free. Other work shares the benchmark machines, so this says what the 2-thread rows
// could have shown at the time they were measured.
double two_thread_scaling() {
  const auto seconds = [](int threads) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([] {
        volatile uint64_t sum = 0;  // volatile: the loop must not be folded away
        for (uint64_t i = 0; i < 400000000; ++i) sum = sum + i;
      });
    }
    for (auto& thread : pool) thread.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double one = seconds(1);
  return 2 * one / seconds(2);
}

// The load average, read before the loop above adds to it, and that loop's scaling.
std::string machine_state() {
  const std::string load = load_average();
  char scaling[96];
  std::snprintf(scaling, sizeof(scaling), "; 2 threads on a CPU-only loop: %.2fx one thread",
                two_thread_scaling());
  return "load average " + load + scaling;
}

// The whole of `prepare` after tokenizer training, for one length: CorpusBuilder::run reads the
// text, encodes it on `threads` threads, packs and writes HDF5 shards. The shards are written
// to `out` and removed afterwards (outside the timing); the Python side writes nothing, so the
// writing cost counts against pretrainkit only.
Run run_ptk(const std::string& corpus, const text::Tokenizer& tokenizer, text::PackingMode mode,
            int threads, const std::string& out) {
  text::CorpusOptions options;
  options.inputs = {corpus};
  options.mode = mode;
  options.max_seq_length = kSequenceLength;
  options.threads = threads;
  options.output_dir = out;
  options.progress = false;
  options.built_by = "tokenize_bench";
  const auto start = std::chrono::steady_clock::now();
  const text::CorpusSummary summary = text::CorpusBuilder(options, tokenizer).run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fs::remove_all(out);
  return {static_cast<double>(fs::file_size(corpus)) / seconds / 1e6, summary.sequences,
          summary.sequence_tokens};
}

Run run_reference(const std::string& corpus, const std::string& model, int threads) {
  const std::string output = bench::run_reference_script(
      "tokenize_reference.py", fmt::format("{} {} {} {}", model, corpus, threads, kSequenceLength));
  const double mb_per_s = bench::reported_value(output, "mb_per_s");
  if (mb_per_s < 0) {
    std::fprintf(stderr, "reference failed: %s\n", output.c_str());
    return Run{};
  }
  return {mb_per_s, static_cast<int64_t>(bench::reported_value(output, "sequences")),
          static_cast<int64_t>(bench::reported_value(output, "tokens"))};
}

struct Options {
  std::string dir;
  std::string tokenizer_path;
  uint64_t corpus_mib = 16;
  int32_t vocab_size = 30522;  // prepare.vocab_size's default
  int runs = 3;
};

// Flags come in pairs; false on an unknown flag or one without its value.
bool parse_flags(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir")
      o.dir = argv[i + 1];
    else if (flag == "--corpus-mib")
      o.corpus_mib = std::stoull(argv[i + 1]);
    else if (flag == "--vocab-size")
      o.vocab_size = std::stoi(argv[i + 1]);
    else if (flag == "--tokenizer")
      o.tokenizer_path = argv[i + 1];
    else if (flag == "--runs")
      o.runs = std::max(1, std::stoi(argv[i + 1]));
    else
      return false;
  }
  return argc % 2 == 1;  // even: a flag without its value
}

// The bench's English text, written to `path`.
void write_corpus(uint64_t corpus_mib, const std::string& path) {
  demo::TextCorpusOptions corpus_options;
  corpus_options.target_bytes = corpus_mib << 20;
  const demo::TextCorpusStats stats = demo::write_text_corpus(corpus_options, path);
  std::printf("corpus: %lld documents, %lld sentences, %.1f MB (WordNet glosses + GCIDE)\n",
              static_cast<long long>(stats.documents), static_cast<long long>(stats.sentences),
              static_cast<double>(stats.bytes) / 1e6);
}

// Trains the tokenizer `ptk-bert prepare` trains with its defaults
// (recipes/bert/prepare_options.cpp) into <dir>/tokenizer.model and returns that path.
std::string train_tokenizer(const std::string& corpus, const std::string& dir, int32_t vocab_size) {
  text::SentencePieceTrainOptions train;
  train.vocab_size = vocab_size;
  train.model_type = text::SentencePieceModelType::kUnigram;
  train.character_coverage = 0.9995;
  train.seed = 12345;
  train.num_threads = 2;
  const std::string path = dir + "/tokenizer.model";
  const auto start = std::chrono::steady_clock::now();
  text::train_sentencepiece(corpus, path, train, /*lenient_utf8=*/true);
  std::printf("tokenizer: trained unigram, vocabulary %d, in %.0f s\n", vocab_size,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return path;
}

// One table row: every run's MB/s of each side on `threads` threads.
struct Row {
  int threads;
  std::vector<double> ptk, classic, python, ratio;
};

// `runs` runs on `threads` threads, alternating ptk contiguous, Python, ptk classic; each run
// printed as it ends. Clears `same_output` when the two sides made different sequences.
Row time_threads(int threads, int runs, const std::string& corpus,
                 const text::SentencePieceTokenizer& tokenizer, const std::string& tokenizer_path,
                 const std::string& out, bool& same_output) {
  Row row{threads, {}, {}, {}, {}};
  for (int r = 0; r < runs; ++r) {
    const Run ptk = run_ptk(corpus, tokenizer, text::PackingMode::kContiguous, threads, out);
    const Run python = run_reference(corpus, tokenizer_path, threads);
    const Run classic = run_ptk(corpus, tokenizer, text::PackingMode::kClassic, threads, out);
    // Both sides pack by the same rule, so they must make the same sequences.
    if (ptk.sequences != python.sequences || ptk.tokens != python.tokens) {
      same_output = false;
      std::fprintf(stderr, "output differs: ptk %lld sequences / %lld tokens, python %lld / %lld\n",
                   static_cast<long long>(ptk.sequences), static_cast<long long>(ptk.tokens),
                   static_cast<long long>(python.sequences), static_cast<long long>(python.tokens));
    }
    std::printf(
        "threads %d run %d: ptk %.2f MB/s (%lld sequences, %lld tokens), ptk classic "
        "%.2f MB/s, python %.2f MB/s (%lld sequences, %lld tokens)\n",
        threads, r + 1, ptk.mb_per_s, static_cast<long long>(ptk.sequences),
        static_cast<long long>(ptk.tokens), classic.mb_per_s, python.mb_per_s,
        static_cast<long long>(python.sequences), static_cast<long long>(python.tokens));
    std::fflush(stdout);
    row.ptk.push_back(ptk.mb_per_s);
    row.classic.push_back(classic.mb_per_s);
    row.python.push_back(python.mb_per_s);
    row.ratio.push_back(python.mb_per_s > 0 ? ptk.mb_per_s / python.mb_per_s : 0.0);
  }
  return row;
}

// The Markdown table: medians, and every run's ratio in ascending order.
void print_table(const std::vector<Row>& rows, int runs) {
  std::printf("| threads | ptk MB/s | python MB/s | ratio (%d runs) | ptk classic MB/s |\n", runs);
  std::printf("|---:|---:|---:|---|---:|\n");
  for (const Row& row : rows) {
    std::vector<double> sorted = row.ratio;
    std::sort(sorted.begin(), sorted.end());
    std::string ratios;
    for (double r : sorted) {
      char one[32];
      std::snprintf(one, sizeof(one), "%s%.2f", ratios.empty() ? "" : ", ", r);
      ratios += one;
    }
    std::printf("| %d | %.2f | %.2f | **%.2fx** (%s) | %.2f |\n", row.threads, median(row.ptk),
                median(row.python), median(row.ratio), ratios.c_str(), median(row.classic));
  }
}

// Everything after the command line: corpus, tokenizer, the timed runs and the report.
void run_bench(Options& o, const std::string& command) {
  fs::create_directories(o.dir);
  const std::string corpus = o.dir + "/corpus.txt";
  write_corpus(o.corpus_mib, corpus);
  if (o.tokenizer_path.empty()) o.tokenizer_path = train_tokenizer(corpus, o.dir, o.vocab_size);
  const text::SentencePieceTokenizer tokenizer(o.tokenizer_path);
  std::printf("tokenizer: %s (%d pieces)\n", o.tokenizer_path.c_str(), tokenizer.vocab_size());
  std::printf("before: %s\n", machine_state().c_str());
  std::fflush(stdout);

  const std::string out = o.dir + "/shards";
  std::vector<Row> rows;
  bool same_output = true;
  for (int threads : {1, 2}) {
    rows.push_back(
        time_threads(threads, o.runs, corpus, tokenizer, o.tokenizer_path, out, same_output));
  }
  std::printf("after: %s\n\n", machine_state().c_str());
  print_table(rows, o.runs);
  std::printf("\ncommand: %s\n%s\n", command.c_str(),
              same_output ? "ptk (contiguous) and python made the same sequences."
                          : "WARNING: ptk and python made different sequences (see above).");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_flags(argc, argv, o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = "tokenize_bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  const bool own_dir = o.dir.empty();
  if (own_dir) o.dir = (fs::temp_directory_path() / "ptk-tokenize-bench").string();
  try {
    run_bench(o, command);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenize_bench: error: %s\n", e.what());
    return 1;
  }
  if (own_dir) fs::remove_all(o.dir);
  return 0;
}
