// ShardSetWriter: turns a stream of records into a shard set (HDF5 shards + manifest.yaml).
// A shard is buffered in memory up to the configured size, written to `<name>.tmp` as
// contiguous, uncompressed, 64-byte aligned datasets, fsynced and renamed, so a shard on disk is
// complete or absent. manifest.yaml is written last, atomically: an interrupted run leaves no
// manifest and the set is not mistaken for a finished one. Not thread safe (one writer, one
// thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/data/manifest.h"
#include "common/data/shard_format.h"

namespace ptk::data {

struct ShardWriterOptions {
  std::string dir;  // created if missing
  ShardKind kind = ShardKind::kImage;
  uint64_t max_shard_bytes = 256ull << 20;  // payload bytes per shard; 0 = no limit
  uint64_t max_shard_records = 0;           // records per shard; 0 = no limit
  std::string prefix = "shard";             // files are <prefix>-00000.h5, ...
  // Root attributes of every shard and of the manifest (token shards: tokenizer,
  // tokenizer_hash).
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> files;  // manifest only: vocabulary/tokenizer files
  std::string built_by;                      // manifest only: what built the set
  // false: finish() returns the manifest without writing manifest.yaml, for writers that fill
  // one slice of a set whose manifest is assembled later (a part of a prepare job).
  bool write_manifest = true;
};

class ShardSetWriter {
 public:
  explicit ShardSetWriter(ShardWriterOptions options);
  ShardSetWriter(const ShardSetWriter&) = delete;
  ShardSetWriter& operator=(const ShardSetWriter&) = delete;
  ~ShardSetWriter();  // without finish() the buffered shard and the manifest are not written

  // A record of the wrong kind, or a key with a NUL byte, is an Error.
  void add(const ImageRecord& record);
  void add(const TokenRecord& record);

  // Writes the last shard and manifest.yaml; returns the manifest. Call once.
  Manifest finish();

  uint64_t records_added() const { return records_added_; }

 private:
  void start_record(uint64_t payload_bytes);
  void flush_shard();
  // The complete HDF5 file of the shard being filled, built in memory; `path` names it in errors.
  std::vector<uint8_t> shard_image(const std::string& path) const;

  ShardWriterOptions options_;
  Manifest manifest_;
  uint64_t records_added_ = 0;
  bool finished_ = false;

  // The shard being filled.
  uint64_t shard_payload_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<uint64_t> byte_offsets_{0};
  std::vector<int32_t> ints_;  // labels or tokens
  std::vector<uint64_t> int_offsets_{0};
  std::vector<std::string> keys_;
  std::vector<int32_t> b_start_;
  std::vector<int8_t> nsp_;
  std::vector<uint64_t> checksums_;
};

}  // namespace ptk::data
