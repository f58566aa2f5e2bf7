// CorpusBuilder: text files -> documents -> token ids -> packed sequences -> token shards
// (DESIGN §5), the `prepare` step of BERT/RoBERTa pretraining. It works on the whole input (a
// small corpus) or on one part of it (data::InputPart): a prepare job packs each part on its own,
// so memory holds one part, classic packing draws random next sentences from the same part, and
// the part's shards are named after it. Output is a pure function of the text read, the tokenizer
// and the options: tokenising and packing run on `threads` threads but every document is packed
// with its own counter-based RNG and records are written in document order, so the shards are
// byte-identical for any thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/data/input_parts.h"
#include "common/data/manifest.h"
#include "text/corpus/document_reader.h"
#include "text/corpus/sequence_packer.h"

namespace ptk::text {

class Tokenizer;

enum class PackingMode {
  kClassic,     // BERT: sentence pairs + NSP
  kContiguous,  // RoBERTa FULL-SENTENCES: no NSP
};

// "classic" / "contiguous"; anything else is a usage_error.
PackingMode parse_packing_mode(const std::string& name);
const char* to_string(PackingMode mode);

struct CorpusOptions {
  std::vector<std::string> inputs;  // text files, read in this order by tokenize_inputs()
  InputFormat format = InputFormat::kSentencePerLine;
  PackingMode mode = PackingMode::kClassic;
  int32_t max_seq_length = 128;
  double short_seq_prob = 0.1;    // classic only
  double random_next_prob = 0.5;  // classic only
  int32_t dupe_factor = 1;        // classic only: passes over the corpus, each packed anew
  uint64_t seed = 12345;
  int32_t threads = 1;
  std::string output_dir;
  uint64_t max_shard_records = 0;  // 0: split by bytes only
  uint64_t max_shard_bytes = 64ull << 20;
  std::string tokenizer_file;  // recorded in the manifest's files (role "tokenizer")
  bool progress = true;        // bar on a TTY, a log line per 10% otherwise (stderr)
  std::string built_by = "ptk corpus builder";
  std::string shard_prefix = "shard";  // shard files are <prefix>-00000.h5, ...
  // false: manifest.yaml is not written; the summary's manifest lists the shards, for a part
  // whose set's manifest is assembled from all parts later.
  bool write_manifest = true;
};

struct CorpusSummary {
  int64_t files = 0;
  int64_t parts = 0;  // input parts packed one by one (0: the whole input at once)
  int64_t lines = 0;
  int64_t documents = 0;        // with at least one non-empty sentence
  int64_t sentences = 0;        // with at least one token
  int64_t tokens = 0;           // tokens of those sentences, before packing
  int64_t sequences = 0;        // records written
  int64_t sequence_tokens = 0;  // tokens written, specials included
  int64_t random_next = 0;      // classic: records whose B is a random next
  double padding_fraction = 0;  // share of padding when every record is padded to max length
  int64_t invalid_utf8_lines = 0;
  std::vector<std::string> invalid_utf8_examples;
  int32_t max_seq_length = 0;
  std::string output_dir;
  size_t shards = 0;
  data::Manifest manifest;  // of the shards written (saved only with write_manifest)
  // How often each token id was written (specials included), indexed by id: what the
  // most-frequent-token baseline needs, summed over parts without reading the shards again.
  std::vector<int64_t> token_counts;

  // One paragraph: what was read, written, skipped, and where.
  std::string to_string() const;
};

// Documents read and tokenized, the input of packing: sentences without tokens (only characters
// the tokenizer drops) and documents left without sentences are dropped.
struct TokenizedText {
  std::string source;  // what was read, for messages: the files, or the part's describe()
  std::vector<TokenizedDocument> documents;
  CorpusSummary counts;  // files, lines, documents, sentences, tokens, invalid UTF-8
};

class CorpusBuilder {
 public:
  // Validates the options (usage_error). The tokenizer must outlive the builder.
  CorpusBuilder(CorpusOptions options, const Tokenizer& tokenizer);

  // Reads and tokenizes every file of options.inputs: the whole corpus in memory.
  TokenizedText tokenize_inputs() const;
  // Reads and tokenizes one part of the input (the lines that start in its byte range).
  TokenizedText tokenize(const data::InputPart& part) const;
  // Packs and writes `text` to options.output_dir; classic packing finds its random next
  // sentences in `text` only. Text without documents writes no shard; classic packing of a
  // single document is an Error naming text.source (a random next needs another document).
  CorpusSummary pack(const TokenizedText& text) const;
  // tokenize_inputs(), then pack(). A second call rebuilds.
  CorpusSummary run() const;

 private:
  CorpusOptions options_;
  const Tokenizer& tokenizer_;
};

}  // namespace ptk::text
