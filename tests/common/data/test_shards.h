// Test support for the data tests: a temporary directory and deterministic synthetic records,
// so each test can write a real shard set and know exactly what it must read back.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/data/shard_format.h"
#include "common/data/shard_writer.h"

namespace ptk::data::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ptk-data-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline ImageRecord make_image(uint64_t i) {
  ImageRecord r;
  r.bytes.resize(20 + (i * 37) % 300);
  for (size_t k = 0; k < r.bytes.size(); ++k) r.bytes[k] = static_cast<uint8_t>(i * 131 + k * 7);
  for (uint64_t k = 0; k < i % 5; ++k) r.labels.push_back(static_cast<int32_t>((i * 3 + k) % 11));
  r.key = "img-" + std::to_string(i);
  return r;
}

inline TokenRecord make_tokens(uint64_t i) {
  TokenRecord r;
  r.tokens.resize(1 + (i * 13) % 64);
  for (size_t k = 0; k < r.tokens.size(); ++k) r.tokens[k] = static_cast<int32_t>(i * 1000 + k);
  r.b_start = i % 3 == 0 ? -1 : static_cast<int32_t>(r.tokens.size() / 2);
  r.nsp_label = static_cast<int8_t>(i % 2);
  return r;
}

inline Manifest write_image_set(const std::string& dir, uint64_t n, uint64_t max_records) {
  ShardWriterOptions options;
  options.dir = dir;
  options.kind = ShardKind::kImage;
  options.max_shard_records = max_records;
  options.built_by = "data tests";
  ShardSetWriter writer(options);
  for (uint64_t i = 0; i < n; ++i) writer.add(make_image(i));
  return writer.finish();
}

inline Manifest write_token_set(const std::string& dir, uint64_t n, uint64_t max_records) {
  ShardWriterOptions options;
  options.dir = dir;
  options.kind = ShardKind::kToken;
  options.max_shard_records = max_records;
  options.attributes = {{"tokenizer", "wordpiece"}, {"tokenizer_hash", "abc123"}};
  options.files = {{"vocabulary", "vocab.txt"}};
  ShardSetWriter writer(options);
  for (uint64_t i = 0; i < n; ++i) writer.add(make_tokens(i));
  return writer.finish();
}

// Flips one byte of `path` at `offset`.
void flip_byte(const std::string& path, uint64_t offset);

}  // namespace ptk::data::testing
