// The tokenizer files of an exported BERT folder as HF's fast tokenizers load them: the
// tokenizer.json that ptk-export writes for a WordPiece vocabulary and for SentencePiece unigram
// and BPE models, read by HF's JavaScript tokenizers (tests/node, installed by
// scripts/install-deps.sh from npm: an implementation of the format that is not ours), encodes
// a hard text file to the ids ptk-tokenize (what ptk-bert prepare runs) gives it, line for line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/base64.h"
#include "common/base/split.h"
#include "common/io/atomic_file.h"
#include "tests/integration/toy_run.h"
#include "tests/recipes/export/export_fixtures.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"
#include "text/tokenizers/sentencepiece_model_file.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTokenize = std::string(PTK_BINARY_DIR) + "/ptk-tokenize";
const std::string kNodeDir = std::string(PTK_SOURCE_DIR) + "/tests/node";
const std::string kBert = std::string(PTK_BINARY_DIR) + "/ptk-bert";
const std::string kBertDemoConfig = std::string(PTK_SOURCE_DIR) + "/recipes/bert/configs/demo.yaml";

// The absolute path of `program` on PATH ("" when there is none).
std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  for (const std::string& dir : split_copies(path ? path : "", ':')) {
    const fs::path candidate = fs::path(dir) / program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(120)));
  *output = child.output();
  return code;
}

// Exports a bert-tiny checkpoint of `vocab_size` tokens with `tokenizer` into <dir>/hf.
void export_with(const ScratchDir& dir, const std::string& tokenizer, int64_t vocab_size) {
  write_bert_checkpoint(dir / "run", vocab_size);
  std::string output;
  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + dir / "run", "export.format=hf",
                        "export.tokenizer=" + tokenizer, "export.out=" + dir / "hf"},
                       dir / "export.log", &output),
            0)
      << output;
}

// Whether `line` holds a C0 control character other than tab, or one of U+2000-U+200F (spaces
// of other widths and the zero-width characters), or U+FEFF. tokenizers.js does not apply a
// SentencePiece model's precompiled character map: it drops or maps such characters from fixed
// lists, then applies NFKC (src/core/normalizer/Precompiled.ts), which is what the map does
// for other text but not for these, so it is no reference for them.
bool needs_the_character_map(const std::string& line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<uint8_t>(line[i]);
    if (c < 0x20 && c != '\t') return true;
    if (c == 0xe2 && i + 2 < line.size() && static_cast<uint8_t>(line[i + 1]) == 0x80 &&
        static_cast<uint8_t>(line[i + 2]) <= 0x8f) {
      return true;
    }
    if (line.compare(i, 3, "\xef\xbb\xbf") == 0) return true;
  }
  return false;
}

// The hard text through ptk-tokenize with `tokenizer` and through tokenizers.js with
// <dir>/hf/tokenizer.json: the same ids on every line ([CLS] and [SEP] around ptk's), but
// lines that only the real character map normalises, when `charsmap_lines_apart`.
void expect_the_same_ids(const ScratchDir& dir, const std::string& tokenizer,
                         bool charsmap_lines_apart = false) {
  const std::string node = on_path("node");
  if (node.empty() || !fs::exists(kNodeDir + "/node_modules/@huggingface/tokenizers")) {
    GTEST_SKIP() << "node or tests/node/node_modules missing: run scripts/install-deps.sh";
  }
  write_hard_text(dir / "hard.txt");
  std::string output;
  ASSERT_EQ(run({kTokenize, "encode", "tokenize.tokenizer=" + tokenizer,
                 "tokenize.input=" + dir / "hard.txt", "tokenize.output=" + dir / "ptk.ids"},
                dir / "encode.log", &output),
            0)
      << output;
  ASSERT_EQ(run({node, kNodeDir + "/hf_tokenizer_ids.mjs", dir / "hf", dir / "hard.txt"},
                dir / "node.log", &output),
            0)
      << output;
  const std::vector<std::string> hard = split_copies(io::read_file(dir / "hard.txt"), '\n');
  const std::vector<std::string> ours = split_copies(io::read_file(dir / "ptk.ids"), '\n');
  const std::vector<std::string> theirs = split_copies(output, '\n');
  ASSERT_GE(ours.size(), hard.size());
  ASSERT_GE(theirs.size(), hard.size() - 1);
  for (size_t i = 0; i + 1 < hard.size(); ++i) {  // the last field follows the final newline
    if (charsmap_lines_apart && needs_the_character_map(hard[i])) continue;
    const std::string expected = "2" + (ours[i].empty() ? "" : " " + ours[i]) + " 3";
    EXPECT_EQ(theirs[i], expected) << "line " << i + 1 << ": " << hard[i];
  }
}

TEST(ExportTokenizer, WordPieceTokenizerJsonGivesHfJavascriptTokenizersThePrepareIds) {
  ScratchDir dir;
  const int64_t vocab_size = write_rich_vocab(dir / "vocab.txt");
  const std::string vocab = io::read_file(dir / "vocab.txt");
  ASSERT_EQ(static_cast<int64_t>(std::count(vocab.begin(), vocab.end(), '\n')), vocab_size);
  export_with(dir, dir / "vocab.txt", vocab_size);

  const auto json = nlohmann::json::parse(io::read_file(dir / "hf/tokenizer.json"));
  EXPECT_EQ(json["model"]["type"], "WordPiece");
  EXPECT_EQ(static_cast<int64_t>(json["model"]["vocab"].size()), vocab_size);
  EXPECT_EQ(json["model"]["vocab"]["##ing"], 115);  // 5 specials, 68 + 36 characters, 6 words
  EXPECT_EQ(json["normalizer"]["lowercase"], true);
  EXPECT_EQ(json["post_processor"]["pair"].back()["SpecialToken"]["type_id"], 1);
  EXPECT_EQ(json["post_processor"]["special_tokens"]["[CLS]"]["ids"], nlohmann::json::array({2}));
  EXPECT_EQ(json["added_tokens"].size(), 5u);
  const auto config = nlohmann::json::parse(io::read_file(dir / "hf/tokenizer_config.json"));
  EXPECT_EQ(config["tokenizer_class"], "BertTokenizer");
  EXPECT_EQ(config["split_special_tokens"], true);
  expect_the_same_ids(dir, dir / "vocab.txt");
}

// Trains a SentencePiece model of 400 pieces with ptk-bert prepare (SentencePiece's nmt_nfkc
// normaliser), on English-like text with accents, CJK, Hangul and emoji, and returns its path.
// (Trained by the binary: SentencePiece and LibTorch do not share a process.)
std::string prepare_sentencepiece(const ScratchDir& dir, const std::string& model_type) {
  std::ofstream(dir / "corpus.txt") << text::testing::generated_corpus(3000);
  std::string output;
  EXPECT_EQ(run({kBert, "prepare", "--config", kBertDemoConfig,
                 "prepare.inputs=[" + dir / "corpus.txt" + "]", "prepare.out=" + dir / "shards",
                 "prepare.vocab_size=400", "prepare.model_type=" + model_type,
                 "prepare.packing=contiguous", "data.max_seq_length=32"},
                dir / "prepare.log", &output),
            0)
      << output;
  return dir / "shards/tokenizer.model";
}

// A model of `model_type` trained by prepare, exported: its tokenizer.json is read by
// tokenizers.js as ptk-tokenize reads the model. Returns the parsed file.
nlohmann::json check_sentencepiece_export(const ScratchDir& dir, const std::string& model_type) {
  const std::string model = prepare_sentencepiece(dir, model_type);
  export_with(dir, model, 400);
  auto json = nlohmann::json::parse(io::read_file(dir / "hf/tokenizer.json"));
  EXPECT_EQ(json["model"]["vocab"].size(), 400u);
  EXPECT_EQ(json["normalizer"]["normalizers"][0]["type"], "Precompiled");
  EXPECT_EQ(json["normalizer"]["normalizers"][0]["precompiled_charsmap"],
            base64_encode(text::SentencePieceModelFile::read(model).precompiled_charsmap));
  expect_the_same_ids(dir, model, /*charsmap_lines_apart=*/true);
  return json;
}

TEST(ExportTokenizer, UnigramTokenizerJsonGivesHfJavascriptTokenizersThePrepareIds) {
  ScratchDir dir;
  const nlohmann::json json = check_sentencepiece_export(dir, "unigram");
  EXPECT_EQ(json["model"]["type"], "Unigram");
  EXPECT_EQ(json["model"]["vocab"][4][0], "[MASK]");
}

TEST(ExportTokenizer, BpeTokenizerJsonGivesHfJavascriptTokenizersThePrepareIds) {
  ScratchDir dir;
  const nlohmann::json json = check_sentencepiece_export(dir, "bpe");
  EXPECT_EQ(json["model"]["type"], "BPE");
  EXPECT_GT(json["model"]["merges"].size(), 100u);
}

}  // namespace
}  // namespace ptk::testing
