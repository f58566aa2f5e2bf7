#include "text/tokenizers/sentencepiece_tokenizer.h"

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "common/io/atomic_file.h"

namespace ptk::text {
namespace {

constexpr const char* kPad = "[PAD]";
constexpr const char* kUnk = "[UNK]";
constexpr const char* kWordBoundary = "\xE2\x96\x81";  // U+2581, SentencePiece's space mark

// Feeds the trainer line by line so that every line is UTF-8-checked with its line number
// (SentencePiece itself would replace bad bytes silently). Errors end the iteration and are
// rethrown after Train returns, rather than thrown through SentencePiece's frames.
class CheckedLineIterator : public sentencepiece::SentenceIterator {
 public:
  CheckedLineIterator(const std::string& path, bool lenient)
      : path_(path), lenient_(lenient), in_(path, std::ios::binary) {
    fail_if(!in_, "{}: cannot open training text for reading", path);
    Next();
  }

  bool done() const override { return done_; }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override {
    if (error_.empty()) return sentencepiece::util::Status();
    return sentencepiece::util::Status(sentencepiece::util::StatusCode::kDataLoss, error_);
  }

  void Next() override {
    if (done_) return;
    if (!std::getline(in_, line_)) {
      if (in_.bad()) error_ = fmt::format("{}: read failed after line {}", path_, line_number_);
      done_ = true;
      return;
    }
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (auto defect = find_utf8_defect(line_)) {
      if (!lenient_) {
        error_ = fmt::format("{}:{}: invalid UTF-8 at byte offset {} of the line: {}", path_,
                             line_number_, defect->offset, defect->what);
        done_ = true;
        return;
      }
      std::string repaired;
      replace_invalid_utf8(line_, &repaired);
      line_.swap(repaired);
      ++summary_.repaired_lines;
    }
    ++summary_.lines;
  }

  const std::string& error() const { return error_; }
  const SentencePieceTrainSummary& summary() const { return summary_; }

 private:
  std::string path_;
  bool lenient_;
  std::ifstream in_;
  std::string line_;
  int64_t line_number_ = 0;
  bool done_ = false;
  std::string error_;
  SentencePieceTrainSummary summary_;
};

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void write_atomically(const std::string& path, const std::string& bytes) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    fail_if(!out, "{}: cannot open for writing", temporary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    fail_if(!out, "{}: write failed (disk full?)", temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw error("{}: cannot rename the finished model into place", path);
  }
}

}  // namespace

SentencePieceTrainSummary train_sentencepiece(const std::string& text_file,
                                              const std::string& model_path,
                                              const SentencePieceTrainOptions& options,
                                              bool lenient_utf8) {
  if (options.vocab_size <= 5) {
    throw usage_error("sentencepiece: vocab_size must exceed the 5 reserved pieces, got {}",
                      options.vocab_size);
  }
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0)) {
    throw usage_error("sentencepiece: character_coverage must be in (0, 1], got {}",
                      format_double(options.character_coverage));
  }
  if (options.num_threads < 1) {
    throw usage_error("sentencepiece: num_threads must be at least 1");
  }
  // Every value goes through the key/value form: no command-line quoting of paths or pieces.
  const std::unordered_map<std::string, std::string> arguments = {
      {"model_type", options.model_type == SentencePieceModelType::kBpe ? "bpe" : "unigram"},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", format_double(options.character_coverage)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"input_sentence_size", std::to_string(options.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"max_sentence_length", std::to_string(options.max_sentence_length)},
      {"num_threads", std::to_string(options.num_threads)},
      {"pad_id", std::to_string(kSentencePiecePadId)},
      {"pad_piece", kPad},
      {"unk_id", std::to_string(kSentencePieceUnkId)},
      {"unk_piece", kUnk},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      // Control symbols take the next free ids in this order: 2, 3, 4.
      {"control_symbols", "[CLS],[SEP],[MASK]"},
      {"minloglevel", options.log_progress ? "0" : "1"},
  };

  // The seed is a process-wide global inside SentencePiece.
  static std::mutex training_mutex;
  std::lock_guard<std::mutex> lock(training_mutex);
  sentencepiece::SetRandomGeneratorSeed(options.seed);
  CheckedLineIterator lines(text_file, lenient_utf8);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(arguments, &lines, &model);
  if (!lines.error().empty()) throw error(lines.error());
  if (!status.ok()) {
    throw error("{}: SentencePiece training failed: {}", text_file, status.ToString());
  }
  fail_if(lines.summary().lines == 0, "{}: no lines to train on", text_file);
  write_atomically(model_path, model);
  return lines.summary();
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : path_(model_path), processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const std::string bytes = io::read_file(model_path);
  const auto status = processor_->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    throw error("{}: not a SentencePiece model: {}", model_path, status.ToString());
  }
  content_hash_ = XXH64(bytes.data(), bytes.size(), 0);

  std::string missing;
  const auto special = [&](const char* piece) {
    const auto id = id_of(piece);
    if (!id) missing += std::string(missing.empty() ? "" : ", ") + piece;
    return id.value_or(-1);
  };
  special_ids_.pad = special(kPad);
  special_ids_.unk = special(kUnk);
  special_ids_.cls = special("[CLS]");
  special_ids_.sep = special("[SEP]");
  special_ids_.mask = special("[MASK]");
  if (!missing.empty()) {
    throw error(
        "{}: SentencePiece model lacks the reserved pieces {} (train it with "
        "train_sentencepiece)",
        model_path, missing);
  }

  const int size = processor_->GetPieceSize();
  word_start_.resize(static_cast<size_t>(size));
  for (int id = 0; id < size; ++id) {
    const std::string& piece = processor_->IdToPiece(id);
    word_start_[id] = processor_->IsControl(id) || piece.compare(0, 3, kWordBoundary) == 0;
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<int32_t> SentencePieceTokenizer::encode_valid(std::string_view text) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw error("{}: SentencePiece encode failed: {}", path_, status.ToString());
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::vector<std::string> SentencePieceTokenizer::pieces_valid(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = processor_->Encode(text, &pieces);
  if (!status.ok()) throw error("{}: SentencePiece encode failed: {}", path_, status.ToString());
  return pieces;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  const int32_t size = vocab_size();
  std::vector<int> checked;
  checked.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= size) {
      throw error("{}: decode: id {} at position {} is outside the vocabulary [0, {})", path_,
                  ids[i], i, size);
    }
    checked.push_back(ids[i]);
  }
  std::string text;
  const auto status = processor_->Decode(checked, &text);
  if (!status.ok()) throw error("{}: SentencePiece decode failed: {}", path_, status.ToString());
  return text;
}

int32_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

std::optional<int32_t> SentencePieceTokenizer::id_of(std::string_view token) const {
  // PieceToId answers unk_id for unknown pieces; only an exact round trip is a hit.
  const int id = processor_->PieceToId(token);
  if (id < 0 || id >= processor_->GetPieceSize() || processor_->IdToPiece(id) != token) {
    return std::nullopt;
  }
  return id;
}

std::string SentencePieceTokenizer::token_of(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw error("{}: id {} is outside the vocabulary [0, {})", path_, id, vocab_size());
  }
  return processor_->IdToPiece(id);
}

}  // namespace ptk::text
