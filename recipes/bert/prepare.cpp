#include "recipes/bert/prepare.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/error.h"
#include "common/data/shard_reader.h"
#include "common/io/atomic_file.h"
#include "common/io/staged_directory.h"
#include "recipes/bert/bert_phases.h"
#include "recipes/bert/prepare_options.h"
#include "text/corpus/corpus_builder.h"
#include "text/masking/masking_policy.h"
#include "text/pretraining/bert_sample.h"
#include "text/pretraining/pretraining_vocab.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"
#include "text/tokenizers/tokenizer.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

// SentencePiece trains on one file: several inputs are concatenated (with a blank line
// between them, so documents do not run into each other).
std::string tokenizer_training_text(const std::vector<std::string>& inputs, const fs::path& out) {
  if (inputs.size() == 1) return inputs.front();
  const fs::path joined = out / "tokenizer_input.txt";
  std::ofstream text(joined, std::ios::binary);
  for (const auto& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    if (!in) throw Error("cannot read prepare.inputs file '" + input + "'");
    text << in.rdbuf() << "\n\n";
  }
  if (!text) throw Error("cannot write " + joined.string());
  return joined.string();
}

}  // namespace

std::string BertPrepareSummary::text() const {
  std::ostringstream out;
  out << "ptk-bert prepare: tokenizer " << tokenizer << " ("
      << (trained_tokenizer ? "trained SentencePiece" : "given") << ", vocabulary " << vocab_size
      << ").";
  for (const auto& paragraph : corpus) out << " " << paragraph;
  char share[64];
  std::snprintf(share, sizeof(share), "%.4f", baseline_share);
  out << " Most-frequent-token MLM baseline: " << share << " ('" << baseline_token << "' of "
      << baseline_tokens << " non-special tokens in " << shard_dirs.front() << ").";
  char time[32];
  std::snprintf(time, sizeof(time), "%.1f", seconds);
  out << " (" << time << " s)";
  return out.str();
}

BertPrepareSummary run_bert_prepare(const config::Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> inputs = config.get_string_list("prepare.inputs");
  const std::string out_dir = config.get_string("prepare.out");
  if (inputs.empty()) throw UsageError("prepare.inputs is required (a list of text files)");
  if (out_dir.empty()) throw UsageError("prepare.out is required");
  for (const auto& input : inputs) {
    if (!fs::is_regular_file(input)) {
      throw UsageError("prepare.inputs: '" + input + "' is not a readable file");
    }
  }
  const text::InputFormat format = text::parse_input_format(config.get_string("prepare.format"));
  const text::PackingMode packing = text::parse_packing_mode(config.get_string("prepare.packing"));
  const int64_t threads = config.get_int("prepare.threads");
  const int64_t shard_bytes = config.get_int("prepare.shard_bytes");
  if (threads < 1) throw UsageError("prepare.threads must be >= 1");
  if (shard_bytes < 1) throw UsageError("prepare.shard_bytes must be >= 1");
  const std::vector<int64_t> lengths = config.get_int_list("prepare.lengths");
  if (lengths.empty()) throw UsageError("prepare.lengths is empty (ptk-bert prepare fills it in)");
  for (const int64_t length : lengths) {
    if (length < 8) throw UsageError("prepare.lengths: " + std::to_string(length) + " is < 8");
  }
  // Everything is built in a staging folder that replaces prepare.out at the end, so a failed
  // run (a full disk, an interrupted job) leaves the previous tokenizer and shards whole.
  io::StagedDirectory staged(out_dir);
  const std::string build_dir = staged.path();

  BertPrepareSummary summary;
  fs::path tokenizer_path;
  const std::string given = config.get_string("prepare.tokenizer");
  if (given.empty()) {
    text::SentencePieceTrainOptions o;
    o.vocab_size = static_cast<int32_t>(config.get_int("prepare.vocab_size"));
    const std::string type = config.get_string("prepare.model_type");
    if (type == "unigram") {
      o.model_type = text::SentencePieceModelType::kUnigram;
    } else if (type == "bpe") {
      o.model_type = text::SentencePieceModelType::kBpe;
    } else {
      throw UsageError("prepare.model_type must be 'unigram' or 'bpe', got '" + type + "'");
    }
    o.character_coverage = config.get_float("prepare.character_coverage");
    o.input_sentence_size = config.get_int("prepare.sentence_sample");
    o.seed = static_cast<uint32_t>(config.get_int("prepare.seed"));
    o.num_threads = static_cast<int32_t>(threads);
    tokenizer_path = fs::path(build_dir) / "tokenizer.model";
    text::train_sentencepiece(tokenizer_training_text(inputs, build_dir), tokenizer_path.string(),
                              o,
                              /*lenient_utf8=*/true);
    summary.trained_tokenizer = true;
  } else {
    if (!fs::is_regular_file(given)) {
      throw UsageError("prepare.tokenizer: '" + given + "' is not a file (.model or vocab.txt)");
    }
    tokenizer_path = fs::path(build_dir) / fs::path(given).filename();
    fs::copy_file(given, tokenizer_path, fs::copy_options::overwrite_existing);
  }
  const std::unique_ptr<text::Tokenizer> tokenizer = text::load_tokenizer(tokenizer_path.string());
  summary.tokenizer = (fs::path(out_dir) / tokenizer_path.filename()).string();
  summary.vocab_size = tokenizer->vocab_size();

  for (const int64_t length : lengths) {
    const std::string dir = shard_dir_for_length(build_dir, length);
    fs::create_directories(dir);
    // Each shard set carries its tokenizer, so it can be moved and used on its own.
    fs::copy_file(tokenizer_path, fs::path(dir) / tokenizer_path.filename(),
                  fs::copy_options::overwrite_existing);
    // What training needs of the tokenizer, readable without a tokenizer library.
    text::pretraining_vocab(*tokenizer)
        .write((fs::path(dir) / text::kPretrainingVocabFile).string());
    text::CorpusOptions o;
    o.inputs = inputs;
    o.format = format;
    o.mode = packing;
    o.max_seq_length = static_cast<int32_t>(length);
    o.short_seq_prob = config.get_float("prepare.short_seq_prob");
    o.random_next_prob = config.get_float("prepare.random_next_prob");
    o.dupe_factor = static_cast<int32_t>(config.get_int("prepare.dupe_factor"));
    o.seed = static_cast<uint64_t>(config.get_int("prepare.seed"));
    o.threads = static_cast<int32_t>(threads);
    o.output_dir = dir;
    o.max_shard_bytes = static_cast<uint64_t>(shard_bytes);
    o.tokenizer_file = tokenizer_path.filename().string();
    o.built_by = "ptk-bert prepare: " + std::string(text::to_string(packing)) + " packing at " +
                 std::to_string(length) + " tokens";
    summary.corpus.push_back("Length " + std::to_string(length) + ": " +
                             text::CorpusBuilder(o, *tokenizer).run().to_string());
    summary.shard_dirs.push_back(shard_dir_for_length(out_dir, length));
  }

  const data::ShardSet shards(shard_dir_for_length(build_dir, lengths.front()));
  const text::MaskingVocab vocab = text::masking_vocab(*tokenizer);
  const text::MlmBaseline baseline = text::mlm_baseline(shards, vocab);
  summary.baseline_token = baseline.token >= 0 ? tokenizer->token_of(baseline.token) : "";
  summary.baseline_share = baseline.share;
  summary.baseline_tokens = baseline.tokens;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  io::write_file_atomic((fs::path(build_dir) / "summary.txt").string(), summary.text() + "\n");
  // ptk-bert wrote the resolved prepare.yaml into prepare.out before starting this process.
  const fs::path resolved = fs::path(out_dir) / "prepare.yaml";
  if (fs::exists(resolved)) {
    fs::copy_file(resolved, fs::path(build_dir) / "prepare.yaml",
                  fs::copy_options::overwrite_existing);
  }
  staged.commit();
  return summary;
}

}  // namespace ptk::recipes
