// Helpers the hashtag tests share: a fresh temporary directory per test, and a small
// hand-written WordNet database whose byte offsets are computed as data.noun requires.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ptk::vision::testing {

inline std::filesystem::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             ("ptk_hashtags_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
              std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct TinySynset {
  std::vector<std::string> lemmas;
  std::vector<int> hypernyms;  // indices into the list
  std::string gloss;
};

// Writes data.noun, index.noun and noun.exc for `synsets` into `dir`; returns each synset's
// offset. Index lines list a lemma's synsets in the order the synsets are given, so the first
// synset naming a lemma is its first sense. A two-line license header precedes the data, as
// in the real files.
inline std::vector<uint32_t> write_tiny_wordnet(const std::filesystem::path& dir,
                                                const std::vector<TinySynset>& synsets,
                                                const std::string& exceptions) {
  const std::string header = "  1 tiny WordNet for tests\n  2 format of WordNet 3.0\n";
  auto line_for = [&](const TinySynset& s, const std::vector<uint32_t>& offsets, size_t self) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%08u 06 n %02zx", offsets[self], s.lemmas.size());
    std::string line = buffer;
    for (const auto& lemma : s.lemmas) line += " " + lemma + " 0";
    std::snprintf(buffer, sizeof(buffer), " %03zu", s.hypernyms.size());
    line += buffer;
    for (int h : s.hypernyms) {
      std::snprintf(buffer, sizeof(buffer), " @ %08u n 0000", offsets[h]);
      line += buffer;
    }
    return line + " | " + s.gloss + "  \n";
  };
  // Offsets are fixed-width, so line lengths do not depend on their values.
  std::vector<uint32_t> offsets(synsets.size(), 0);
  uint32_t position = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < synsets.size(); ++i) {
    offsets[i] = position;
    position += static_cast<uint32_t>(line_for(synsets[i], offsets, i).size());
  }
  std::string data = header;
  for (size_t i = 0; i < synsets.size(); ++i) data += line_for(synsets[i], offsets, i);
  write_text(dir / "data.noun", data);

  std::vector<std::pair<std::string, std::vector<uint32_t>>> index;
  for (size_t i = 0; i < synsets.size(); ++i) {
    for (std::string lemma : synsets[i].lemmas) {
      for (char& c : lemma) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto it = std::find_if(index.begin(), index.end(),
                             [&](const auto& entry) { return entry.first == lemma; });
      if (it == index.end()) {
        index.emplace_back(lemma, std::vector<uint32_t>{});
        it = index.end() - 1;
      }
      it->second.push_back(offsets[i]);
    }
  }
  std::sort(index.begin(), index.end());
  std::string text = header;
  for (const auto& [lemma, senses] : index) {
    text += lemma + " n " + std::to_string(senses.size()) + " 1 @ " +
            std::to_string(senses.size()) + " 0";
    for (uint32_t offset : senses) {
      char buffer[16];
      std::snprintf(buffer, sizeof(buffer), " %08u", offset);
      text += buffer;
    }
    text += "  \n";
  }
  write_text(dir / "index.noun", text);
  write_text(dir / "noun.exc", exceptions);
  return offsets;
}

// Indices of the synsets in tiny_synsets().
enum Tiny {
  kEntity,
  kBear,
  kBrownBear,
  kInvestor,
  kMouse,
  kTeeShirt,
  kPullOver,
  kPullover,
  kBox,
  kFly,
  kGlass
};

inline std::vector<TinySynset> tiny_synsets() {
  return {
      {{"entity"}, {}, "that which exists"},
      {{"bear"}, {kEntity}, "massive plantigrade mammal"},
      {{"brown_bear", "bruin", "Ursus_arctos"}, {kBear}, "large ferocious bear"},
      {{"bear"}, {kEntity}, "an investor who expects prices to fall"},
      {{"mouse"}, {kEntity}, "small rodent"},
      {{"T-shirt", "tee_shirt"}, {kEntity}, "a close-fitting pullover shirt"},
      {{"pull_over"}, {kEntity}, "a made-up sense, to collide with pullover"},
      {{"pullover", "slipover"}, {kEntity}, "a sweater"},
      {{"box"}, {kEntity}, "a container"},
      {{"fly"}, {kEntity}, "two-winged insect"},
      {{"glass"}, {kEntity}, "a brittle transparent solid"},
  };
}

}  // namespace ptk::vision::testing
