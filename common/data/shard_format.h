// The on-disk layout of pretrainkit shards (DESIGN.md §5): dataset and attribute names, record
// types and the per-record checksum. Writer, reader and tools all take names from here, so the
// format is defined in exactly one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptk::data {

enum class ShardKind { kImage, kToken };

constexpr int kShardFormatVersion = 1;
constexpr char kImageFormat[] = "ptk-image-shard";
constexpr char kTokenFormat[] = "ptk-token-shard";

// Datasets of an image shard.
constexpr char kImageBytes[] = "images/bytes";      // uint8, encoded JPEG/PNG, concatenated
constexpr char kImageOffsets[] = "images/offsets";  // uint64[n+1]
constexpr char kLabelIds[] = "labels/ids";          // int32, hashtag ids, concatenated
constexpr char kLabelOffsets[] = "labels/offsets";  // uint64[n+1]
constexpr char kKeys[] = "keys";                    // fixed-length byte strings, NUL padded
// Datasets of a token shard.
constexpr char kTokenIds[] = "tokens/ids";             // int32, packed sequences, concatenated
constexpr char kTokenOffsets[] = "tokens/offsets";     // uint64[n+1]
constexpr char kSegmentBStart[] = "segments/b_start";  // int32[n], -1 for one segment
constexpr char kNspLabels[] = "nsp/labels";            // int8[n]
// Both.
constexpr char kChecksums[] = "checksums";  // uint64[n], xxhash64 of each record
// Attributes on the root group.
constexpr char kAttrFormat[] = "format";
constexpr char kAttrVersion[] = "version";
constexpr char kAttrNumSamples[] = "num_samples";
constexpr char kAttrTokenizer[] = "tokenizer";
constexpr char kAttrTokenizerHash[] = "tokenizer_hash";

// Every dataset starts at a file offset that is a multiple of this, so typed records can be
// read in place from the memory map.
constexpr uint64_t kDatasetAlignment = 64;

const char* kind_name(ShardKind kind);  // "image" / "token"
ShardKind parse_kind(const std::string& name, const std::string& where);

// A record to write. Only the fields of its kind are used.
struct ImageRecord {
  std::vector<uint8_t> bytes;   // encoded image
  std::vector<int32_t> labels;  // hashtag ids
  std::string key;              // source id (no NUL bytes)
};

struct TokenRecord {
  std::vector<int32_t> tokens;
  int32_t b_start = -1;  // index of the first token of segment B, -1 when one segment
  int8_t nsp_label = 0;
};

// A read-only view of a contiguous run of T inside a memory-mapped shard.
template <class T>
struct ConstSpan {
  const T* data = nullptr;
  size_t size = 0;
  const T* begin() const { return data; }
  const T* end() const { return data + size; }
  const T& operator[](size_t i) const { return data[i]; }
  bool empty() const { return size == 0; }
};

// One record as served by the reader: views into the mapping, valid while the reader lives.
struct RecordView {
  ShardKind kind = ShardKind::kImage;
  // Image fields.
  ConstSpan<uint8_t> image_bytes;
  ConstSpan<int32_t> labels;
  std::string_view key;
  // Token fields.
  ConstSpan<int32_t> tokens;
  int32_t b_start = -1;
  int8_t nsp_label = 0;
  // Stored checksum.
  uint64_t checksum = 0;
  // Payload size in bytes (image bytes + labels, or tokens), for throughput numbers.
  uint64_t payload_bytes() const;
};

// xxhash64 (seed 0) of a record's fields in a fixed order:
//   image: image bytes, label ids (int32 little endian), key bytes
//   token: token ids (int32 little endian), b_start (int32 LE), nsp label (1 byte)
uint64_t record_checksum(const RecordView& record);
uint64_t record_checksum(const ImageRecord& record);
uint64_t record_checksum(const TokenRecord& record);

// xxhash64 of a whole file, streamed; used for the manifest's file checksums.
uint64_t file_checksum(const std::string& path);
// The same checksum of bytes in memory: equals file_checksum of a file holding them.
uint64_t bytes_checksum(const void* data, size_t size);

// "0123456789abcdef": how checksums appear in manifests and reports.
std::string hex64(uint64_t value);

}  // namespace ptk::data
