// Seeded mutation testing of the torch-free safetensors parser: many damaged variants of valid
// files (byte flips, insertions, deletions, cuts, spliced length fields) must each parse to a
// self-consistent header or throw ptk::Error. Run under PTK_SANITIZE to catch reads out of
// bounds. Deterministic: the same seed gives the same inputs on every run.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/safetensors_format.h"

namespace ptk::io {
namespace {

std::string valid_file(const std::vector<SafetensorsEntry>& entries, uint64_t data_bytes) {
  std::string file = encode_safetensors_header(entries, {{"k", "v\\u00e9\n"}});
  file.append(data_bytes, '\x5a');
  return file;
}

void check(const std::string& bytes) {
  // The copy has exactly the file's size, so a sanitizer sees any read past the end.
  std::vector<uint8_t> exact(bytes.begin(), bytes.end());
  try {
    const SafetensorsHeader h =
        parse_safetensors(exact.empty() ? nullptr : exact.data(), exact.size(), "fuzz");
    uint64_t covered = 0;
    for (const auto& e : h.entries) {
      ASSERT_LE(e.begin, e.end);
      ASSERT_GT(safetensors_dtype_size(e.dtype), 0u);
      covered += e.end - e.begin;
    }
    ASSERT_EQ(h.data_offset + covered, exact.size());
  } catch (const Error& e) {
    ASSERT_EQ(std::string(e.what()).rfind("fuzz: ", 0), 0u) << e.what();
  }
}

TEST(SafetensorsFuzz, MutatedFilesParseConsistentlyOrThrowError) {
  const std::vector<std::string> seeds = {
      valid_file({{"a", "F32", {2, 2}, 0, 16},
                  {"b.\xc3\xa9", "BF16", {}, 16, 18},
                  {"e", "I8", {0}, 18, 18},
                  {"c", "BOOL", {3}, 18, 21}},
                 21),
      valid_file({}, 0),
      valid_file({{"x", "U8", {1, 1, 1, 1}, 0, 1}}, 1),
  };
  std::mt19937_64 rng(20240601);
  const char kInteresting[] = {'{', '}', '[', ']', '"', '\\', ',', ':', '-', '0', '9', 'u', ' '};
  int parsed = 0;
  for (int iteration = 0; iteration < 60000; ++iteration) {
    std::string bytes = seeds[rng() % seeds.size()];
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const std::size_t pos = rng() % bytes.size();
      switch (rng() % 6) {
        case 0:
          bytes[pos] = static_cast<char>(rng());
          break;
        case 1:
          bytes[pos] = kInteresting[rng() % sizeof(kInteresting)];
          break;
        case 2:
          bytes.insert(pos, 1, kInteresting[rng() % sizeof(kInteresting)]);
          break;
        case 3:
          bytes.erase(pos, 1 + rng() % 4);
          break;
        case 4:
          bytes.resize(pos);
          break;
        case 5:  // a length field that disagrees with the JSON
          if (bytes.size() >= 8) bytes[rng() % 8] = static_cast<char>(rng());
          break;
      }
    }
    check(bytes);
    if (HasFatalFailure()) return;
    try {
      parse_safetensors(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "fuzz");
      ++parsed;
    } catch (const Error&) {
    }
  }
  // Some mutations (whitespace, metadata text) keep files valid; most must be rejected.
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, 60000);
}

}  // namespace
}  // namespace ptk::io
