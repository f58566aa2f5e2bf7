// What a SentencePiece .model file holds, read from its protobuf bytes (ModelProto) without the
// SentencePiece library, for writers of other formats (the HF tokenizer.json of an export):
// every piece with its score and type, the model type, and the normaliser (its precompiled
// character map and whitespace flags). Fields this reader does not use are skipped. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::text {

struct SentencePieceModelFile {
  // sentencepiece_model.proto's SentencePiece.Type values.
  enum class PieceType {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
  };
  struct Piece {
    std::string piece;
    float score = 0;
    PieceType type = PieceType::kNormal;
  };

  std::vector<Piece> pieces;  // in id order
  bool unigram = true;        // TrainerSpec.model_type UNIGRAM (else BPE, WORD or CHAR)
  std::string normalizer_name;
  std::string precompiled_charsmap;  // NormalizerSpec's compiled rules (bytes)
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;

  bool has_byte_pieces() const;

  // Errors (ptk::Error) name the file and what is malformed: a truncated field, a wire type
  // out of place, a model without pieces.
  static SentencePieceModelFile read(const std::string& path);
  static SentencePieceModelFile parse(const std::string& bytes, const std::string& name);
};

}  // namespace ptk::text
