// manifest.yaml: the table of contents of a shard set (DESIGN.md §5). It lists the shards in
// order with their sample counts, sizes and file checksums, the vocabulary/tokenizer files and
// how the set was built. Epoch order is computed from the sample counts listed here, so a
// reader never has to open a shard to know the set's size.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/data/shard_format.h"

namespace ptk::data {

constexpr char kManifestName[] = "manifest.yaml";

struct ManifestShard {
  std::string file;  // relative to the shard set directory
  uint64_t num_samples = 0;
  uint64_t bytes = 0;
  uint64_t xxh64 = 0;  // of the whole file
};

struct Manifest {
  ShardKind kind = ShardKind::kImage;
  int version = kShardFormatVersion;
  std::vector<ManifestShard> shards;
  std::map<std::string, std::string> attributes;  // e.g. tokenizer, tokenizer_hash
  std::map<std::string, std::string> files;       // role -> file, e.g. vocabulary: vocab.txt
  std::string built_by;                           // tool, version and options

  uint64_t num_samples() const;
  uint64_t total_bytes() const;

  // Reads `<dir>/manifest.yaml`; errors name the file and the bad key.
  static Manifest load(const std::string& dir);
  // The same from the text of a manifest; `path` names it in errors.
  static Manifest parse(const std::string& text, const std::string& path);
  std::string to_yaml() const;
  // Writes `<dir>/manifest.yaml` atomically (temporary file, fsync, rename).
  void save(const std::string& dir) const;
};

}  // namespace ptk::data
