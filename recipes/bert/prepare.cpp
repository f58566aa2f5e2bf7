#include "recipes/bert/prepare.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/dist/launch_env.h"
#include "common/io/atomic_file.h"
#include "common/io/resumable_directory.h"
#include "recipes/bert/bert_phases.h"
#include "recipes/bert/packed_part.h"
#include "recipes/bert/prepare_job.h"
#include "text/corpus/corpus_builder.h"
#include "text/corpus/sentence_sample.h"
#include "text/masking/masking_policy.h"
#include "text/pretraining/bert_sample.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"
#include "text/tokenizers/tokenizer.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

constexpr char kSampleFolder[] = "sample";
constexpr char kTokenizerSampleFile[] = "tokenizer_sample.txt";

// This process's place in the job and the job folder it works in.
struct Stage {
  BertPrepareJob job;
  int rank = 0;
  int world = 1;
  int threads = 1;
  std::unique_ptr<io::ResumableDirectory> folder;

  fs::path path(const std::string& name) const { return fs::path(folder->path()) / name; }
  fs::path sample_file(const data::InputPart& part) const {
    return path(kSampleFolder) / (part.name() + ".tsv");
  }
  fs::path tokenizer_path() const { return path(job.tokenizer_file); }
  const BertPrepareOptions& options() const { return job.options; }
  uint64_t sample_size() const {
    return static_cast<uint64_t>(options().tokenizer_sample_sentences);
  }
  uint64_t seed() const { return static_cast<uint64_t>(options().seed); }
};

// Sample: each part of this rank keeps its sentences with the smallest keys. The parts run on
// the threads side by side (a part's sample holds at most its own lines).
void sample_parts(const Stage& s) {
  std::vector<data::InputPart> todo;
  const std::vector<data::InputPart> mine = data::parts_of_rank(s.job.plan, s.rank, s.world);
  for (const auto& part : mine) {
    if (!s.folder->done(sample_marker(part))) todo.push_back(part);
  }
  fs::create_directories(s.path(kSampleFolder));
  std::mutex markers;
  parallel_for(static_cast<int64_t>(todo.size()), s.threads, [&](int64_t i) {
    const data::InputPart& part = todo[static_cast<size_t>(i)];
    text::SentenceSample sample(s.sample_size());
    const uint64_t offered = sample.offer_part(part, s.job.file_index(part.file), s.seed());
    sample.save(s.sample_file(part).string());
    std::lock_guard<std::mutex> lock(markers);
    s.folder->mark_done(sample_marker(part), fmt::format("{}\n", offered));
  });
  spdlog::info("rank {}: sampled {} part(s) for the tokenizer ({} done earlier)", s.rank,
               todo.size(), mine.size() - todo.size());
}

// prepare.model_type is one of these two (the option table checks it).
text::SentencePieceTrainOptions sentencepiece_options(const BertPrepareOptions& prepare) {
  text::SentencePieceTrainOptions o;
  o.vocab_size = static_cast<int32_t>(prepare.vocab_size);
  o.model_type = prepare.model_type == "bpe" ? text::SentencePieceModelType::kBpe
                                             : text::SentencePieceModelType::kUnigram;
  o.character_coverage = prepare.character_coverage;
  o.input_sentence_size = 0;  // the sample is the training set
  o.seed = static_cast<uint32_t>(prepare.seed);
  o.num_threads = static_cast<int32_t>(prepare.tokenizer_threads);
  return o;
}

// Tokenizer (rank 0): the job's sample is the smallest keys of all parts' samples.
void make_tokenizer(const Stage& s) {
  if (s.folder->done(kTokenizerMarker)) return;
  if (!s.job.train_tokenizer) {
    io::write_file_atomic(s.tokenizer_path().string(), io::read_file(s.options().tokenizer));
    s.folder->mark_done(kTokenizerMarker, "given\n");
    return;
  }
  text::SentenceSample sample(s.sample_size());
  uint64_t sentences = 0;
  for (const auto& part : s.job.plan) {
    sentences += std::stoull(s.folder->read(sample_marker(part)));
    sample.offer_saved(s.sample_file(part).string());
  }
  if (sample.size() == 0) {
    throw error(
        "prepare.inputs hold no sentence (non-blank line of valid UTF-8) to train the "
        "tokenizer on");
  }
  const fs::path text_file = s.path(kTokenizerSampleFile);
  sample.save_text(text_file.string());
  spdlog::info("training SentencePiece on {} of {} sentences", sample.size(), sentences);
  text::train_sentencepiece(text_file.string(), s.tokenizer_path().string(),
                            sentencepiece_options(s.options()), /*lenient_utf8=*/true);
  s.folder->mark_done(kTokenizerMarker,
                      fmt::format("{} of {} sentences\n", sample.size(), sentences));
}

text::CorpusOptions corpus_options(const Stage& s, int64_t length, const data::InputPart& part) {
  const BertPrepareOptions& prepare = s.options();
  text::CorpusOptions o;
  o.inputs = prepare.inputs;
  o.format = text::parse_input_format(prepare.format);
  o.mode = text::parse_packing_mode(prepare.packing);
  o.max_seq_length = static_cast<int32_t>(length);
  o.short_seq_prob = prepare.short_seq_prob;
  o.random_next_prob = prepare.random_next_prob;
  o.dupe_factor = static_cast<int32_t>(prepare.dupe_factor);
  o.seed = s.seed();
  o.threads = s.threads;
  o.output_dir = shard_dir_for_length(s.folder->path(), length);
  o.max_shard_bytes = static_cast<uint64_t>(prepare.shard_bytes);
  o.tokenizer_file = s.job.tokenizer_file;
  o.progress = false;  // a line per part instead
  // What the set is, not how it was run: no ranks, no threads.
  o.built_by = fmt::format("ptk-bert prepare: {} packing at {} tokens, {} input part(s)",
                           text::to_string(o.mode), length, s.job.plan.size());
  o.shard_prefix = part.name();
  o.write_manifest = false;
  return o;
}

// Pack: this rank's parts one after another; the threads tokenize and pack inside a part, so
// memory holds one part. A part is tokenized once for all the lengths it still lacks.
void pack_parts(const Stage& s) {
  const std::unique_ptr<text::Tokenizer> tokenizer =
      text::load_tokenizer(s.tokenizer_path().string());
  const std::vector<data::InputPart> mine = data::parts_of_rank(s.job.plan, s.rank, s.world);
  size_t earlier = 0;
  for (size_t i = 0; i < mine.size(); ++i) {
    const data::InputPart& part = mine[i];
    std::vector<int64_t> lengths;
    for (const int64_t length : s.options().lengths) {
      if (!s.folder->done(pack_marker(length, part))) lengths.push_back(length);
    }
    if (lengths.empty()) {
      ++earlier;
      continue;
    }
    const text::TokenizedText text =
        text::CorpusBuilder(corpus_options(s, lengths.front(), part), *tokenizer).tokenize(part);
    for (const int64_t length : lengths) {
      const text::CorpusSummary packed =
          text::CorpusBuilder(corpus_options(s, length, part), *tokenizer).pack(text);
      s.folder->mark_done(pack_marker(length, part), packed_part_text(packed));
    }
    spdlog::info("rank {}: packed {} ({}/{} of this rank): {} documents, {} tokens", s.rank,
                 part.name(), i + 1, mine.size(), text.counts.documents, text.counts.tokens);
  }
  if (earlier > 0) spdlog::info("rank {}: {} part(s) were packed earlier", s.rank, earlier);
}

// A writer killed by SIGKILL leaves its temporary file (".<name>.tmp.XXXXXX") behind.
void remove_stray_temporaries(const fs::path& dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp") != std::string::npos) {
      fs::remove(entry.path(), error);
    }
  }
}

// One length's set: every part's shards, in part order, under one manifest.
text::CorpusSummary assemble_length(const Stage& s, int64_t length) {
  text::CorpusSummary total;
  total.files = static_cast<int64_t>(s.options().inputs.size());
  total.max_seq_length = static_cast<int32_t>(length);
  total.output_dir = shard_dir_for_length(s.options().out, length);
  for (const auto& part : s.job.plan) {
    const std::string marker = pack_marker(length, part);
    const text::CorpusSummary packed =
        parse_packed_part(s.folder->read(marker), (s.path("done") / marker).string());
    if (part.index == 0) {
      total.manifest = packed.manifest;
      total.manifest.shards.clear();
    }
    add_packed_part(packed, &total);
  }
  if (total.sequences == 0) {
    throw error("no sequence of {} tokens was written: prepare.inputs hold no document with tokens",
                length);
  }
  const double slots = static_cast<double>(total.sequences) * static_cast<double>(length);
  total.padding_fraction = 1.0 - static_cast<double>(total.sequence_tokens) / slots;
  return total;
}

double seconds_since_start() {
  const char* started = std::getenv(kPrepareStartedVariable);
  if (started == nullptr) return -1;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return now - std::atof(started);
}

// Finish (rank 0): manifests, tokenizer files beside the shards, baseline, summary, commit.
BertPrepareSummary finish_job(Stage& s) {
  const std::unique_ptr<text::Tokenizer> tokenizer =
      text::load_tokenizer(s.tokenizer_path().string());
  BertPrepareSummary summary;
  summary.tokenizer = (fs::path(s.options().out) / s.job.tokenizer_file).string();
  summary.trained_tokenizer = s.job.train_tokenizer;
  if (s.job.train_tokenizer) {
    std::string sample = s.folder->read(kTokenizerMarker);
    while (!sample.empty() && sample.back() == '\n') sample.pop_back();
    summary.tokenizer_sample = sample;
  }
  summary.vocab_size = tokenizer->vocab_size();
  std::vector<int64_t> first_length_counts;
  for (const int64_t length : s.options().lengths) {
    const fs::path dir = shard_dir_for_length(s.folder->path(), length);
    fs::create_directories(dir);
    // Each shard set carries its tokenizer, so it can be moved and used on its own.
    fs::copy_file(s.tokenizer_path(), dir / s.job.tokenizer_file,
                  fs::copy_options::overwrite_existing);
    // What training needs of the tokenizer, readable without a tokenizer library.
    text::pretraining_vocab(*tokenizer).write((dir / text::kPretrainingVocabFile).string());
    const text::CorpusSummary total = assemble_length(s, length);
    if (length == s.options().lengths.front()) first_length_counts = total.token_counts;
    total.manifest.save(dir.string());
    remove_stray_temporaries(dir);
    summary.corpus.push_back(fmt::format("Length {}: {}", length, total.to_string()));
    summary.shard_dirs.push_back(shard_dir_for_length(s.options().out, length));
  }
  std::error_code error;
  fs::remove_all(s.path(kSampleFolder), error);
  fs::remove(s.path(kTokenizerSampleFile), error);
  remove_stray_temporaries(s.folder->path());

  const text::MlmBaseline baseline =
      text::mlm_baseline(first_length_counts, text::masking_vocab(*tokenizer));
  summary.baseline_token = baseline.token >= 0 ? tokenizer->token_of(baseline.token) : "";
  summary.baseline_share = baseline.share;
  summary.baseline_tokens = baseline.tokens;
  summary.seconds = seconds_since_start();
  io::write_file_atomic(s.path("summary.txt").string(), summary.text() + "\n");
  s.folder->commit();
  return summary;
}

}  // namespace

std::string BertPrepareSummary::text() const {
  std::ostringstream out;
  out << "ptk-bert prepare: tokenizer " << tokenizer << " (";
  if (trained_tokenizer) {
    out << "SentencePiece trained on a sample of " << tokenizer_sample;
  } else {
    out << "given";
  }
  out << ", vocabulary " << vocab_size << ").";
  for (const auto& paragraph : corpus) out << " " << paragraph;
  char share[64];
  std::snprintf(share, sizeof(share), "%.4f", baseline_share);
  out << " Most-frequent-token MLM baseline: " << share << " ('" << baseline_token << "' of "
      << baseline_tokens << " non-special tokens in " << shard_dirs.front() << ").";
  if (seconds >= 0) {
    char time[32];
    std::snprintf(time, sizeof(time), "%.1f", seconds);
    out << " (" << time << " s)";
  }
  return out.str();
}

namespace {
constexpr EnumName<PrepareStage> kPrepareStageNames[] = {{PrepareStage::kSample, "sample"},
                                                         {PrepareStage::kTokenizer, "tokenizer"},
                                                         {PrepareStage::kPack, "pack"},
                                                         {PrepareStage::kFinish, "finish"}};
}  // namespace

PrepareStage parse_prepare_stage(const std::string& name) {
  return parse_name(kPrepareStageNames, name, "prepare stage");
}

const char* to_string(PrepareStage stage) { return name_of(kPrepareStageNames, stage); }

std::vector<std::string> prepare_stage_names() {
  std::vector<std::string> names;
  for (const auto& entry : kPrepareStageNames) names.push_back(entry.name);
  return names;
}

BertPrepareSummary run_bert_prepare_stage(const config::Config& config, PrepareStage stage) {
  const dist::LaunchEnv env = dist::resolve_launch_env({});
  Stage s;
  s.job = read_bert_prepare_job(config);
  s.rank = env.rank;
  s.world = env.world_size;
  s.threads = prepare_threads(s.options(), env.local_world_size);
  s.folder = std::make_unique<io::ResumableDirectory>(s.options().out, s.job.fingerprint,
                                                      /*create=*/false);
  switch (stage) {
    case PrepareStage::kSample:
      sample_parts(s);
      break;
    case PrepareStage::kTokenizer:
      make_tokenizer(s);
      break;
    case PrepareStage::kPack:
      pack_parts(s);
      break;
    case PrepareStage::kFinish:
      return finish_job(s);
  }
  return {};
}

}  // namespace ptk::recipes
