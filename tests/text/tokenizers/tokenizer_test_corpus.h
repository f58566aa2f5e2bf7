// Test inputs shared by the tokenizer tests: a generated multilingual training text and the
// hard strings every tokenizer must survive.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace ptk::text::testing {

// A fresh directory under the build tree, removed first if a previous run left it.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::path(PTK_BINARY_DIR) / "test_scratch" / "tokenizers" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The words of generated_corpus: English, accented words, CJK, Hangul, emoji, digits, brackets
// and punctuation.
inline const std::vector<std::string> kCorpusWords = {"the",
                                                      "of",
                                                      "and",
                                                      "to",
                                                      "in",
                                                      "is",
                                                      "was",
                                                      "for",
                                                      "that",
                                                      "with",
                                                      "model",
                                                      "training",
                                                      "data",
                                                      "token",
                                                      "sentence",
                                                      "piece",
                                                      "language",
                                                      "learning",
                                                      "large",
                                                      "scale",
                                                      "weakly",
                                                      "supervised",
                                                      "pretraining",
                                                      "transformer",
                                                      "encoder",
                                                      "masked",
                                                      "predict",
                                                      "words",
                                                      "running",
                                                      "unbelievable",
                                                      "tokenization",
                                                      "shards",
                                                      "gradient",
                                                      "batch",
                                                      "epoch",
                                                      "café",
                                                      "naïve",
                                                      "résumé",
                                                      "Zürich",
                                                      "São",
                                                      "Paulo",
                                                      "Ångström",
                                                      "façade",
                                                      "jalapeño",
                                                      "Straße",
                                                      "Dvořák",
                                                      "Łódź",
                                                      "crème",
                                                      "brûlée",
                                                      "北京大学",
                                                      "東京",
                                                      "中文",
                                                      "语言模型",
                                                      "日本語",
                                                      "한국어",
                                                      "ひらがな",
                                                      "カタカナ",
                                                      "😀",
                                                      "👍🏽",
                                                      "🇫🇷",
                                                      "👨‍👩‍👧",
                                                      "🚀",
                                                      "2024",
                                                      "3.14",
                                                      "42",
                                                      "[note]",
                                                      "(see",
                                                      "above)",
                                                      "e-mail",
                                                      "don't",
                                                      "—",
                                                      "«quote»"};

// A word of generated_corpus: a listed one, or (one time in three) a made-up one that gives the
// trainer enough distinct pieces to fill a vocabulary.
inline std::string corpus_word(std::mt19937& rng) {
  static const std::vector<std::string> syllables = {
      "ka",  "lo",  "mer", "tri", "sto", "ven", "qua", "zy",  "phi", "ex",  "ion", "ing", "ed",
      "bra", "cul", "dom", "fex", "gri", "hul", "jo",  "nov", "pre", "rus", "sil", "tum", "wyn"};
  if (rng() % 3 != 0) return kCorpusWords[rng() % kCorpusWords.size()];
  std::string word;
  const int parts = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < parts; ++k) word += syllables[rng() % syllables.size()];
  return word;
}

// `lines` lines of English-like text mixed with accented words, CJK, Hangul, emoji, digits,
// brackets and punctuation, with an empty line now and then; deterministic.
inline std::string generated_corpus(int lines, uint32_t seed = 7) {
  static const std::vector<std::string> ends = {".", "!", "?", ",", ";", ":", ""};
  std::mt19937 rng(seed);
  std::string text =
      "The quick brown fox jumps over the lazy dog.\n"
      "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!\n";
  for (int i = 2; i < lines; ++i) {
    if (rng() % 29 == 0) {
      text += "\n";
      continue;
    }
    const int length = 3 + static_cast<int>(rng() % 14);
    for (int w = 0; w < length; ++w) {
      if (w > 0) text += " ";
      std::string word = corpus_word(rng);
      if (w == 0 && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
      if (rng() % 50 == 0) {
        for (char& c : word) {
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        }
      }
      text += word;
    }
    text += ends[rng() % ends.size()];
    text += "\n";
  }
  return text;
}

// Strings that have broken tokenizers before. All well-formed UTF-8, no newlines.
inline std::vector<std::string> hard_strings() {
  return {
      "",
      " ",
      "Héllo, WORLD!",
      "café naïve résumé Zürich",
      "cafe\xCC\x81 (decomposed accent)",
      "北京大学欢迎你",
      "日本語とカタカナ、한국어",
      "emoji 😀👍🏽 🇫🇷 family 👨‍👩‍👧 rocket🚀",
      std::string("tab\tcontrol\x01\x7f"
                  "bell\x07 zero\xE2\x80\x8Bwidth"),
      "[MASK] [CLS] [SEP] [PAD] [UNK] are just text here",
      "unseen script ꙮ ⴰⵣⵓⵍ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
      "full-width ＡＢＣ１２３ and ligature ﬁ",
      std::string(5000, 'a'),
      "supercalifragilisticexpialidocious" + std::string(300, 'z') + "ending",
      "   leading and trailing spaces   ",
      "multiple     inner      spaces",
      "digits 0123456789 3.14159 1,000,000",
  };
}

}  // namespace ptk::text::testing
