// SentencePiece tokenizer: training (unigram or BPE) from a text file with BERT's five
// specials at fixed ids, and encoding through SentencePieceProcessor. After construction the
// tokenizer is immutable; SentencePieceProcessor::Encode is const and keeps no per-call
// state, so encode may run from many threads at once (tested). Training is serialised
// process-wide because SentencePiece's trainer seed is a global.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "text/tokenizers/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace ptk::text {

enum class SentencePieceModelType { kUnigram, kBpe };

// Reserved pieces of every model trained here, at fixed ids:
//   0 [PAD]  1 [UNK]  2 [CLS]  3 [SEP]  4 [MASK]
// [CLS]/[SEP]/[MASK] are SentencePiece *control* symbols, not user-defined ones: text that
// happens to contain "[MASK]" is encoded as ordinary pieces, so the mask id only ever comes
// from the masking code, and decode drops them. There is no BOS/EOS piece.
inline constexpr int32_t kSentencePiecePadId = 0;
inline constexpr int32_t kSentencePieceUnkId = 1;
inline constexpr int32_t kSentencePieceClsId = 2;
inline constexpr int32_t kSentencePieceSepId = 3;
inline constexpr int32_t kSentencePieceMaskId = 4;

struct SentencePieceTrainOptions {
  int32_t vocab_size = 32000;  // including the 5 specials (and 256 byte pieces with fallback)
  SentencePieceModelType model_type = SentencePieceModelType::kUnigram;
  // Share of characters the model must cover; the rest become [UNK] (or bytes with
  // byte_fallback). 0.9995 for scripts with many characters, 1.0 for small alphabets.
  double character_coverage = 0.9995;
  // Characters outside the vocabulary become <0xNN> byte pieces instead of [UNK].
  bool byte_fallback = false;
  // Lines sampled for training; 0 = every line. Sampling is driven by `seed`.
  int64_t input_sentence_size = 0;
  // Lines longer than this many bytes are skipped by SentencePiece.
  int32_t max_sentence_length = 4192;
  uint32_t seed = 42;
  // Trainer threads. Same options + same input + same thread count give the same model bytes.
  int32_t num_threads = 1;
  // SentencePiece's own progress lines on stderr (thousands of them for a large vocabulary).
  bool log_progress = false;
};

// What train_sentencepiece read.
struct SentencePieceTrainSummary {
  int64_t lines = 0;           // lines handed to the trainer
  int64_t repaired_lines = 0;  // lines whose ill-formed UTF-8 was replaced (lenient only)
};

// Trains a model on `text_file` (one sentence or paragraph per line, UTF-8) and writes it to
// `model_path` atomically (temporary file + rename). Ill-formed UTF-8 throws ptk::Error naming
// file, line and byte offset, unless `lenient_utf8`, which replaces it with U+FFFD and counts.
// Bad options and SentencePiece failures (e.g. vocab_size too large for the text) throw
// ptk::Error with SentencePiece's message.
SentencePieceTrainSummary train_sentencepiece(const std::string& text_file,
                                              const std::string& model_path,
                                              const SentencePieceTrainOptions& options,
                                              bool lenient_utf8 = false);

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Loads a .model file. Models not trained here are accepted when they have [PAD], [UNK],
  // [CLS], [SEP] and [MASK] pieces (any ids); otherwise ptk::Error names the missing ones.
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;

  std::string decode(const std::vector<int32_t>& ids) const override;
  int32_t vocab_size() const override;
  std::optional<int32_t> id_of(std::string_view token) const override;
  std::string token_of(int32_t id) const override;
  TokenizerKind kind() const override { return TokenizerKind::kSentencePiece; }

 protected:
  std::vector<int32_t> encode_valid(std::string_view text) const override;
  std::vector<std::string> pieces_valid(std::string_view text) const override;

 private:
  std::string path_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace ptk::text
