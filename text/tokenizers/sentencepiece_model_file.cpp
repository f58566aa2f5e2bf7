#include "text/tokenizers/sentencepiece_model_file.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

#include "common/base/error.h"
#include "common/base/protobuf_wire.h"
#include "common/io/atomic_file.h"

namespace ptk::text {
namespace {

using protobuf::kFixed32;
using protobuf::kFixed64;
using protobuf::kLengthDelimited;
using protobuf::kVarint;

// Field numbers of sentencepiece_model.proto that are read.
constexpr uint32_t kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3;
constexpr uint32_t kPiecePiece = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3;
constexpr uint32_t kNormalizerName = 1, kNormalizerCharsmap = 2, kNormalizerDummyPrefix = 3,
                   kNormalizerExtraWhitespaces = 4, kNormalizerEscapeWhitespaces = 5;

// One field of a message: its number, wire type and value (the varint, or the bytes).
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;
  std::string_view bytes;  // length-delimited and fixed-size values
};

// Walks the fields of a message; every read is checked against the end of the buffer.
class MessageReader {
 public:
  MessageReader(std::string_view data, const std::string& name) : data_(data), name_(name) {}

  void for_each(const std::function<void(const Field&)>& visit) {
    while (at_ < data_.size()) visit(next());
  }

 private:
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      fail_if(at_ >= data_.size(), "{}: a number runs past the end at byte {}", name_, at_);
      const auto byte = static_cast<uint8_t>(data_[at_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw error("{}: a number longer than 10 bytes at byte {}", name_, at_);
  }

  std::string_view take(uint64_t size) {
    fail_if(size > data_.size() - at_, "{}: a field of {} bytes runs past the end at byte {}",
            name_, size, at_);
    const std::string_view bytes = data_.substr(at_, static_cast<size_t>(size));
    at_ += static_cast<size_t>(size);
    return bytes;
  }

  Field next() {
    const uint64_t key = varint();
    Field field;
    field.number = static_cast<uint32_t>(key >> 3);
    field.wire_type = static_cast<uint32_t>(key & 7);
    switch (field.wire_type) {
      case kVarint:
        field.varint = varint();
        break;
      case kFixed64:
        field.bytes = take(8);
        break;
      case kLengthDelimited:
        field.bytes = take(varint());
        break;
      case kFixed32:
        field.bytes = take(4);
        break;
      default:
        throw error("{}: field {} has wire type {}, which this reader does not know", name_,
                    field.number, field.wire_type);
    }
    return field;
  }

  std::string_view data_;
  const std::string& name_;
  size_t at_ = 0;
};

void expect_wire_type(const Field& field, uint32_t wire_type, const char* what,
                      const std::string& name) {
  fail_if(field.wire_type != wire_type, "{}: {} (field {}) has wire type {}, expected {}", name,
          what, field.number, field.wire_type, wire_type);
}

SentencePieceModelFile::Piece parse_piece(std::string_view bytes, const std::string& name) {
  SentencePieceModelFile::Piece piece;
  MessageReader(bytes, name).for_each([&](const Field& field) {
    if (field.number == kPiecePiece) {
      expect_wire_type(field, kLengthDelimited, "a piece's text", name);
      piece.piece = std::string(field.bytes);
    } else if (field.number == kPieceScore) {
      expect_wire_type(field, kFixed32, "a piece's score", name);
      std::memcpy(&piece.score, field.bytes.data(), sizeof(float));
    } else if (field.number == kPieceType) {
      expect_wire_type(field, kVarint, "a piece's type", name);
      fail_if(field.varint < 1 || field.varint > 6, "{}: piece type {} is not 1-6", name,
              field.varint);
      piece.type = static_cast<SentencePieceModelFile::PieceType>(field.varint);
    }
  });
  return piece;
}

void parse_normalizer(std::string_view bytes, const std::string& name,
                      SentencePieceModelFile& model) {
  MessageReader(bytes, name).for_each([&](const Field& field) {
    if (field.number == kNormalizerName) {
      model.normalizer_name = std::string(field.bytes);
    } else if (field.number == kNormalizerCharsmap) {
      expect_wire_type(field, kLengthDelimited, "the precompiled charsmap", name);
      model.precompiled_charsmap = std::string(field.bytes);
    } else if (field.number == kNormalizerDummyPrefix) {
      model.add_dummy_prefix = field.varint != 0;
    } else if (field.number == kNormalizerExtraWhitespaces) {
      model.remove_extra_whitespaces = field.varint != 0;
    } else if (field.number == kNormalizerEscapeWhitespaces) {
      model.escape_whitespaces = field.varint != 0;
    }
  });
}

}  // namespace

bool SentencePieceModelFile::has_byte_pieces() const {
  return std::any_of(pieces.begin(), pieces.end(),
                     [](const Piece& p) { return p.type == PieceType::kByte; });
}

SentencePieceModelFile SentencePieceModelFile::parse(const std::string& bytes,
                                                     const std::string& name) {
  SentencePieceModelFile model;
  MessageReader(bytes, name).for_each([&](const Field& field) {
    if (field.number == kModelPieces) {
      expect_wire_type(field, kLengthDelimited, "a piece", name);
      model.pieces.push_back(parse_piece(field.bytes, name));
    } else if (field.number == kModelTrainerSpec) {
      expect_wire_type(field, kLengthDelimited, "the trainer spec", name);
      MessageReader(field.bytes, name).for_each([&](const Field& spec) {
        if (spec.number == kTrainerModelType && spec.wire_type == kVarint)
          model.unigram = spec.varint == 1;
      });
    } else if (field.number == kModelNormalizerSpec) {
      expect_wire_type(field, kLengthDelimited, "the normalizer spec", name);
      parse_normalizer(field.bytes, name, model);
    }
  });
  fail_if(model.pieces.empty(), "{}: no pieces: not a SentencePiece model", name);
  return model;
}

SentencePieceModelFile SentencePieceModelFile::read(const std::string& path) {
  return parse(io::read_file(path), path);
}

}  // namespace ptk::text
