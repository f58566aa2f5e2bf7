// Our SentencePiece encodings against Debian's python3-sentencepiece: same .model, same
// lines, the ids must be equal for every line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/text/tokenizers/tokenizer_test_corpus.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"

namespace ptk::text {
namespace {

using testing::generated_corpus;
using testing::hard_strings;
using testing::scratch_dir;
using testing::write_text;

constexpr const char* kScript = R"(import sys
import sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
with open(sys.argv[2], encoding="utf-8", newline="") as f:
    lines = f.read().split("\n")
with open(sys.argv[3], "w") as out:
    out.write(str(sp.get_piece_size()) + "\n")
    for line in lines:
        out.write(" ".join(str(i) for i in sp.encode(line)) + "\n")
)";

struct PythonCase {
  const char* name;
  SentencePieceModelType type;
  bool byte_fallback;
};

void PrintTo(const PythonCase& c, std::ostream* os) { *os << c.name; }

class SentencePieceAgainstPython : public ::testing::TestWithParam<PythonCase> {};

TEST_P(SentencePieceAgainstPython, IdsEqualPythonSentencePieceForEveryLine) {
  const auto dir = scratch_dir(std::string("sp_python_") + GetParam().name);
  write_text(dir / "corpus.txt", generated_corpus(3000));
  SentencePieceTrainOptions options;
  options.vocab_size = 700;
  options.model_type = GetParam().type;
  options.byte_fallback = GetParam().byte_fallback;
  options.character_coverage = 0.9995;  // rare characters left out on purpose
  const std::string model = (dir / "tok.model").string();
  train_sentencepiece((dir / "corpus.txt").string(), model, options);
  const SentencePieceTokenizer tokenizer(model);

  // Hard strings (no NUL: a C-string boundary in neither implementation's contract) plus
  // unseen text in the same style.
  std::vector<std::string> lines;
  for (const auto& s : hard_strings()) lines.push_back(s);
  std::istringstream unseen(generated_corpus(500, 12345));
  for (std::string line; std::getline(unseen, line);) lines.push_back(line);
  std::string joined;
  for (size_t i = 0; i < lines.size(); ++i) joined += (i ? "\n" : "") + lines[i];
  write_text(dir / "lines.txt", joined);
  write_text(dir / "encode.py", kScript);

  const std::string command = std::string(PTK_PYTHON) + " " + (dir / "encode.py").string() + " " +
                              model + " " + (dir / "lines.txt").string() + " " +
                              (dir / "ids.txt").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  std::ifstream in(dir / "ids.txt");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(std::stoi(line), tokenizer.vocab_size());
  size_t compared = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(std::getline(in, line)) << "python gave fewer lines than " << lines.size();
    std::vector<int32_t> expected;
    std::istringstream fields(line);
    for (int32_t id; fields >> id;) expected.push_back(id);
    EXPECT_EQ(tokenizer.encode(lines[i]), expected) << "line " << i << ": " << lines[i];
    ++compared;
  }
  EXPECT_EQ(compared, lines.size());
  EXPECT_GT(compared, 400u);
}

INSTANTIATE_TEST_SUITE_P(
    ModelTypes, SentencePieceAgainstPython,
    ::testing::Values(PythonCase{"unigram", SentencePieceModelType::kUnigram, false},
                      PythonCase{"bpe", SentencePieceModelType::kBpe, false},
                      PythonCase{"unigram_bytes", SentencePieceModelType::kUnigram, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ptk::text
