#include "text/corpus/corpus_builder.h"

#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/data/shard_writer.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {

namespace {
constexpr EnumName<PackingMode> kPackingModeNames[] = {{PackingMode::kClassic, "classic"},
                                                       {PackingMode::kContiguous, "contiguous"}};
}  // namespace

PackingMode parse_packing_mode(const std::string& name) {
  return parse_name(kPackingModeNames, name, "corpus.packing");
}

const char* to_string(PackingMode mode) { return name_of(kPackingModeNames, mode); }

std::string CorpusSummary::to_string() const {
  std::ostringstream s;
  s << "Read " << files << " file(s)";
  if (parts > 0) s << " in " << parts << " part(s)";
  s << ", " << lines << " lines: " << documents << " documents, " << sentences << " sentences, "
    << tokens << " tokens. Wrote " << sequences << " sequences (" << sequence_tokens << " tokens";
  if (random_next > 0 || sequences == 0) {
    s << ", " << random_next << " with a random next sentence";
  }
  char padding[32];
  std::snprintf(padding, sizeof(padding), "%.1f%%", 100.0 * padding_fraction);
  s << ") to " << shards << " shard(s) in " << output_dir << "; padding at length "
    << max_seq_length << " would be " << padding << ".";
  if (invalid_utf8_lines > 0) {
    s << " Skipped " << invalid_utf8_lines << " line(s) of invalid UTF-8, first at";
    for (size_t i = 0; i < invalid_utf8_examples.size(); ++i) {
      s << (i ? "; " : " ") << invalid_utf8_examples[i];
    }
    s << ".";
  }
  return s.str();
}

namespace {

// Progress on stderr: a redrawn bar when stderr is a terminal, otherwise a line per 10% so
// that logs of batch jobs show the run is alive without filling up.
class Progress {
 public:
  Progress(const char* what, int64_t total, bool enabled)
      : what_(what), total_(total), enabled_(enabled && total > 0), tty_(isatty(2) != 0) {}

  void advance(int64_t n) {
    if (!enabled_) return;
    const int64_t done = done_.fetch_add(n) + n;
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t percent = done * 100 / total_;
    if (tty_) {
      if (percent == shown_) return;
      shown_ = percent;
      const int width = 30;
      const int filled = static_cast<int>(percent * width / 100);
      std::fprintf(stderr, "\r%-10s [%s%s] %3" PRId64 "%% %" PRId64 "/%" PRId64, what_,
                   std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                   percent, done, total_);
      if (done >= total_) std::fputc('\n', stderr);
    } else if (percent / 10 != shown_ / 10 || shown_ < 0) {
      shown_ = percent;
      std::fprintf(stderr, "%s: %" PRId64 "/%" PRId64 " documents (%" PRId64 "%%)\n", what_, done,
                   total_, percent);
    }
  }

 private:
  const char* what_;
  int64_t total_;
  bool enabled_;
  bool tty_;
  std::atomic<int64_t> done_{0};
  std::mutex mutex_;
  int64_t shown_ = -1;
};

// Runs fn(i) for i in [0, n) on `threads` threads; the first exception is rethrown.
void parallel_for(size_t n, int32_t threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int32_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

ClassicPackingOptions classic_packing_options(const CorpusOptions& options) {
  ClassicPackingOptions classic;
  classic.max_seq_length = options.max_seq_length;
  classic.short_seq_prob = options.short_seq_prob;
  classic.random_next_prob = options.random_next_prob;
  classic.seed = options.seed;
  return classic;
}

}  // namespace

CorpusBuilder::CorpusBuilder(CorpusOptions options, const Tokenizer& tokenizer)
    : options_(std::move(options)), tokenizer_(tokenizer) {
  if (options_.inputs.empty()) throw usage_error("corpus.inputs: no input files given");
  if (options_.output_dir.empty()) throw usage_error("corpus.output_dir must be set");
  if (options_.threads < 1) {
    throw usage_error("corpus.threads must be >= 1, got {}", options_.threads);
  }
  if (options_.dupe_factor < 1) {
    throw usage_error("corpus.dupe_factor must be >= 1, got {}", options_.dupe_factor);
  }
  if (options_.mode == PackingMode::kClassic) {
    classic_packing_options(options_).validate();
  } else if (options_.max_seq_length < 3) {
    throw usage_error("corpus.max_seq_length must be >= 3, got {}", options_.max_seq_length);
  }
}

namespace {

// Tokenizes `documents` on `threads` threads into `text`, dropping what has no tokens.
void tokenize_documents(std::vector<Document>& documents, const Tokenizer& tokenizer,
                        int32_t threads, bool show_progress, TokenizedText* text) {
  std::vector<TokenizedDocument> tokenized(documents.size());
  {
    Progress progress("tokenize", static_cast<int64_t>(documents.size()), show_progress);
    parallel_for(documents.size(), threads, [&](size_t i) {
      for (const auto& sentence : documents[i].sentences) {
        auto ids = tokenizer.encode(sentence);
        if (!ids.empty()) tokenized[i].push_back(std::move(ids));
      }
      documents[i] = Document{};  // the text is no longer needed
      progress.advance(1);
    });
  }
  documents.clear();
  text->documents.reserve(tokenized.size());
  for (auto& doc : tokenized) {
    if (doc.empty()) continue;
    text->counts.sentences += static_cast<int64_t>(doc.size());
    for (const auto& sentence : doc) text->counts.tokens += static_cast<int64_t>(sentence.size());
    text->documents.push_back(std::move(doc));
  }
  text->counts.documents = static_cast<int64_t>(text->documents.size());
}

void copy_reader_stats(const ReaderStats& stats, CorpusSummary* counts) {
  counts->lines = stats.lines;
  counts->invalid_utf8_lines = stats.invalid_utf8_lines;
  counts->invalid_utf8_examples = stats.invalid_utf8_examples;
}

}  // namespace

TokenizedText CorpusBuilder::tokenize_inputs() const {
  TokenizedText text;
  DocumentReader reader(options_.format);
  std::vector<Document> documents;
  for (const auto& path : options_.inputs) {
    reader.read_file(path, &documents);
    text.source += (text.source.empty() ? "" : ", ") + path;
  }
  text.counts.files = reader.stats().files;
  copy_reader_stats(reader.stats(), &text.counts);
  tokenize_documents(documents, tokenizer_, options_.threads, options_.progress, &text);
  return text;
}

TokenizedText CorpusBuilder::tokenize(const data::InputPart& part) const {
  TokenizedText text;
  text.source = part.describe();
  DocumentReader reader(options_.format);
  std::vector<Document> documents;
  reader.read_part(part, &documents);
  text.counts.files = 1;
  copy_reader_stats(reader.stats(), &text.counts);
  tokenize_documents(documents, tokenizer_, options_.threads, options_.progress, &text);
  return text;
}

CorpusSummary CorpusBuilder::run() const { return pack(tokenize_inputs()); }

namespace {

// Where packed records go: the shard writer, and the summary's sequence and token counts.
class RecordSink {
 public:
  RecordSink(data::ShardSetWriter& writer, CorpusSummary& summary)
      : writer_(writer), summary_(summary) {}

  void write(const std::vector<data::TokenRecord>& records) {
    for (const auto& record : records) {
      writer_.add(record);
      for (const int32_t id : record.tokens) {
        if (id >= 0 && static_cast<size_t>(id) < summary_.token_counts.size()) {
          ++summary_.token_counts[static_cast<size_t>(id)];
        }
      }
      ++summary_.sequences;
      summary_.sequence_tokens += static_cast<int64_t>(record.tokens.size());
      summary_.random_next += record.nsp_label == kRandomNext ? 1 : 0;
    }
  }

 private:
  data::ShardSetWriter& writer_;
  CorpusSummary& summary_;
};

// Token shards that say how they were made: tokenizer (kind, hash, file), packing and length.
data::ShardWriterOptions shard_writer_options(const CorpusOptions& options,
                                              const Tokenizer& tokenizer) {
  data::ShardWriterOptions writer_options;
  writer_options.dir = options.output_dir;
  writer_options.kind = data::ShardKind::kToken;
  writer_options.max_shard_records = options.max_shard_records;
  writer_options.max_shard_bytes = options.max_shard_bytes;
  writer_options.prefix = options.shard_prefix;
  writer_options.write_manifest = options.write_manifest;
  writer_options.attributes[data::kAttrTokenizer] = text::to_string(tokenizer.kind());
  writer_options.attributes[data::kAttrTokenizerHash] = data::hex64(tokenizer.content_hash());
  writer_options.attributes["packing"] = to_string(options.mode);
  writer_options.attributes["max_seq_length"] = std::to_string(options.max_seq_length);
  if (!options.tokenizer_file.empty()) writer_options.files["tokenizer"] = options.tokenizer_file;
  writer_options.built_by = options.built_by;
  return writer_options;
}

// Classic (NSP) packing, dupe_factor passes over `kept`. Documents are packed in parallel in
// blocks, so memory stays bounded, and written in document order, so the output does not
// depend on the thread count.
void pack_classic(const std::vector<TokenizedDocument>& kept, const PackingIds& ids,
                  const CorpusOptions& options, RecordSink& sink) {
  const ClassicPacker packer(kept, ids, classic_packing_options(options));
  const size_t n = kept.size();
  Progress progress("pack", static_cast<int64_t>(n) * options.dupe_factor, options.progress);
  const size_t block = 4096;
  std::vector<std::vector<data::TokenRecord>> packed(block);
  for (int32_t pass = 0; pass < options.dupe_factor; ++pass) {
    for (size_t begin = 0; begin < n; begin += block) {
      const size_t count = std::min(block, n - begin);
      parallel_for(count, options.threads, [&](size_t k) {
        packed[k] = packer.pack(begin + k, static_cast<uint64_t>(pass));
        progress.advance(1);
      });
      for (size_t k = 0; k < count; ++k) {
        sink.write(packed[k]);
        packed[k].clear();
      }
    }
  }
}

// Contiguous (RoBERTa) packing: one pass, sequences cut across sentence and document ends.
void pack_contiguous(const std::vector<TokenizedDocument>& kept, const PackingIds& ids,
                     const CorpusOptions& options, RecordSink& sink) {
  ContiguousPacker packer(ids, options.max_seq_length);
  Progress progress("pack", static_cast<int64_t>(kept.size()), options.progress);
  std::vector<data::TokenRecord> records;
  for (const auto& doc : kept) {
    packer.add(doc, &records);
    sink.write(records);
    records.clear();
    progress.advance(1);
  }
  packer.finish(&records);
  sink.write(records);
}

}  // namespace

CorpusSummary CorpusBuilder::pack(const TokenizedText& text) const {
  const std::vector<TokenizedDocument>& kept = text.documents;
  if (options_.mode == PackingMode::kClassic && kept.size() == 1) {
    throw usage_error(
        "{} holds one document; classic (NSP) packing needs at least two documents in each part, "
        "since a random next sentence comes from another document of the same part: use fewer "
        "parts (prepare.parts), separate documents by blank lines, or use contiguous packing",
        text.source);
  }
  CorpusSummary summary = text.counts;
  summary.max_seq_length = options_.max_seq_length;
  summary.output_dir = options_.output_dir;

  const auto& specials = tokenizer_.special_ids();
  const PackingIds ids{specials.cls, specials.sep};
  data::ShardSetWriter writer(shard_writer_options(options_, tokenizer_));
  summary.token_counts.assign(static_cast<size_t>(tokenizer_.vocab_size()), 0);
  RecordSink sink(writer, summary);
  if (options_.mode == PackingMode::kClassic && !kept.empty()) {
    pack_classic(kept, ids, options_, sink);
  } else if (options_.mode == PackingMode::kContiguous) {
    pack_contiguous(kept, ids, options_, sink);
  }

  summary.manifest = writer.finish();
  summary.shards = summary.manifest.shards.size();
  if (summary.sequences > 0) {
    const double slots = static_cast<double>(summary.sequences) * options_.max_seq_length;
    summary.padding_fraction = 1.0 - static_cast<double>(summary.sequence_tokens) / slots;
  }
  return summary;
}

}  // namespace ptk::text
