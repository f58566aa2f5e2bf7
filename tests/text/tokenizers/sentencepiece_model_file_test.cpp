// The .model reader against the SentencePiece library that wrote the file: every piece, score
// and type, the model type and the normaliser; damaged bytes are an error naming the file.
#include "text/tokenizers/sentencepiece_model_file.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <string>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"

namespace ptk::text {
namespace {

using testing::generated_corpus;
using testing::scratch_dir;
using testing::write_text;
using Type = SentencePieceModelFile::PieceType;

std::string train(const std::filesystem::path& dir, SentencePieceModelType type, bool bytes) {
  write_text(dir / "corpus.txt", generated_corpus(1500));
  SentencePieceTrainOptions options;
  options.vocab_size = 400;
  options.model_type = type;
  options.byte_fallback = bytes;
  const std::string model = (dir / "m.model").string();
  train_sentencepiece((dir / "corpus.txt").string(), model, options);
  return model;
}

TEST(SentencePieceModelFile, ReadsWhatTheLibraryWrote) {
  for (const auto& [type, bytes] : {std::pair{SentencePieceModelType::kUnigram, false},
                                    std::pair{SentencePieceModelType::kBpe, true}}) {
    const std::string path = train(scratch_dir("sp_model_file"), type, bytes);
    const SentencePieceModelFile model = SentencePieceModelFile::read(path);
    sentencepiece::SentencePieceProcessor processor;
    ASSERT_TRUE(processor.Load(path).ok());
    ASSERT_EQ(static_cast<int>(model.pieces.size()), processor.GetPieceSize());
    for (int id = 0; id < processor.GetPieceSize(); ++id) {
      const SentencePieceModelFile::Piece& piece = model.pieces[static_cast<size_t>(id)];
      EXPECT_EQ(piece.piece, processor.IdToPiece(id)) << id;
      EXPECT_EQ(piece.score, processor.GetScore(id)) << id;
      EXPECT_EQ(piece.type == Type::kControl, processor.IsControl(id)) << id;
      EXPECT_EQ(piece.type == Type::kUnknown, processor.IsUnknown(id)) << id;
      EXPECT_EQ(piece.type == Type::kByte, processor.IsByte(id)) << id;
    }
    EXPECT_EQ(model.pieces[4].piece, "[MASK]");
    EXPECT_EQ(model.unigram, type == SentencePieceModelType::kUnigram);
    EXPECT_EQ(model.has_byte_pieces(), bytes);
    EXPECT_EQ(model.normalizer_name, "nmt_nfkc");
    EXPECT_FALSE(model.precompiled_charsmap.empty());
    EXPECT_TRUE(model.add_dummy_prefix);
    EXPECT_TRUE(model.remove_extra_whitespaces);
  }
}

TEST(SentencePieceModelFile, ATruncatedOrForeignFileIsAnErrorNamingIt) {
  const std::string path =
      train(scratch_dir("sp_model_file_bad"), SentencePieceModelType::kUnigram, false);
  const std::string bytes = io::read_file(path);
  for (const std::string& damaged : {bytes.substr(0, bytes.size() / 2), std::string("\x0a\xff"),
                                     std::string("plain text, no protobuf\n")}) {
    try {
      SentencePieceModelFile::parse(damaged, "damaged.model");
      ADD_FAILURE() << "read " << damaged.size() << " damaged bytes";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("damaged.model"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ptk::text
