// libFuzzer target for the SentencePiece .model reader (a protobuf walked by hand): any bytes
// must either parse to a model with pieces whose types are SentencePiece's, or throw ptk::Error
// naming the origin. Reads outside the buffer are caught by AddressSanitizer.
#include <cstdint>
#include <string>

#include "common/base/error.h"
#include "tests/fuzz/fuzz_support.h"
#include "text/tokenizers/sentencepiece_model_file.h"

using ptk::fuzz::expect;
using Model = ptk::text::SentencePieceModelFile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const Model model = Model::parse(bytes, "fuzz input");
    expect(!model.pieces.empty(), "accepted a model without pieces");
    for (const Model::Piece& piece : model.pieces) {
      const int type = static_cast<int>(piece.type);
      expect(type >= 1 && type <= 6, "accepted a piece type outside 1-6");
    }
    expect(model.precompiled_charsmap.size() <= size, "a charsmap longer than the input");
  } catch (const ptk::Error& e) {
    expect(std::string(e.what()).find("fuzz input") != std::string::npos,
           "an error that does not name the input");
  }
  return 0;
}
