#include "text/tokenizers/sentencepiece_tokenizer.h"

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
    if (!in_) throw Error(path + ": cannot open training text for reading");
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
      if (in_.bad()) error_ = path_ + ": read failed after line " + std::to_string(line_number_);
      done_ = true;
      return;
    }
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (auto defect = find_utf8_defect(line_)) {
      if (!lenient_) {
        error_ = path_ + ":" + std::to_string(line_number_) + ": invalid UTF-8 at byte offset " +
                 std::to_string(defect->offset) + " of the line: " + defect->what;
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
    if (!out) throw Error(temporary + ": cannot open for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw Error(temporary + ": write failed (disk full?)");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw Error(path + ": cannot rename the finished model into place");
  }
}

}  // namespace

SentencePieceTrainSummary train_sentencepiece(const std::string& text_file,
                                              const std::string& model_path,
                                              const SentencePieceTrainOptions& options,
                                              bool lenient_utf8) {
  if (options.vocab_size <= 5) {
    throw usage_error("sentencepiece: vocab_size must exceed the 5 reserved pieces, got " +
                      std::to_string(options.vocab_size));
  }
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0)) {
    throw usage_error("sentencepiece: character_coverage must be in (0, 1], got " +
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
  if (!lines.error().empty()) throw Error(lines.error());
  if (!status.ok()) {
    throw Error(text_file + ": SentencePiece training failed: " + status.ToString());
  }
  if (lines.summary().lines == 0) throw Error(text_file + ": no lines to train on");
  write_atomically(model_path, model);
  return lines.summary();
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : path_(model_path), processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const std::string bytes = io::read_file(model_path);
  const auto status = processor_->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    throw Error(model_path + ": not a SentencePiece model: " + status.ToString());
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
    throw Error(model_path + ": SentencePiece model lacks the reserved pieces " + missing +
                " (train it with train_sentencepiece)");
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
  if (!status.ok()) throw Error(path_ + ": SentencePiece encode failed: " + status.ToString());
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::vector<std::string> SentencePieceTokenizer::pieces_valid(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = processor_->Encode(text, &pieces);
  if (!status.ok()) throw Error(path_ + ": SentencePiece encode failed: " + status.ToString());
  return pieces;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  const int32_t size = vocab_size();
  std::vector<int> checked;
  checked.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= size) {
      throw Error(path_ + ": decode: id " + std::to_string(ids[i]) + " at position " +
                  std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(size) +
                  ")");
    }
    checked.push_back(ids[i]);
  }
  std::string text;
  const auto status = processor_->Decode(checked, &text);
  if (!status.ok()) throw Error(path_ + ": SentencePiece decode failed: " + status.ToString());
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
    throw Error(path_ + ": id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(vocab_size()) + ")");
  }
  return processor_->IdToPiece(id);
}

}  // namespace ptk::text
