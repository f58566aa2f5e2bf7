// ShardReader serves the records of one shard from a read-only memory map. HDF5 is used once,
// at open, to validate the layout (every dataset present, contiguous, unfiltered, of the right
// type, inside the file) and to take the datasets' file offsets; after that records are read
// without HDF5 and without locks, from any number of threads. ShardSet is a shard directory
// (manifest.yaml + shards) that opens each shard on first use and keeps at most a bounded
// number of them mapped (least recently used first out), so a set of any size fits Linux's
// vm.max_map_count and the address space.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/data/lru_cache.h"
#include "common/data/manifest.h"
#include "common/data/shard_format.h"

namespace ptk::data {

// Where a dataset lives in the file, for `ptk-shards inspect`.
struct DatasetLayout {
  std::string name;
  std::string type;  // "uint8", "int32", "uint64", "string[16]", ...
  uint64_t count = 0;
  uint64_t file_offset = 0;
  uint64_t bytes = 0;
};

class ShardReader {
 public:
  // Validates and maps `path`. Any problem is an Error naming the shard and the dataset. With
  // `read_ahead`, the kernel is asked to read the whole file in the background at once (large
  // sequential reads), for orders that read a shard's records close together in time.
  explicit ShardReader(const std::string& path, bool read_ahead = false);
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;
  ~ShardReader();

  const std::string& path() const { return path_; }
  ShardKind kind() const { return kind_; }
  uint64_t num_records() const { return num_records_; }
  uint64_t file_bytes() const { return file_bytes_; }
  const std::vector<DatasetLayout>& layout() const { return layout_; }
  // Root attributes rendered as text (format, version, num_samples, tokenizer, ...).
  const std::map<std::string, std::string>& attributes() const { return attributes_; }

  // Views into the map; `index` out of range is an Error. Thread safe.
  RecordView record(uint64_t index) const;
  // Whether the record's stored checksum matches its bytes. Thread safe.
  bool verify(uint64_t index) const;

 private:
  struct Dataset {
    uint64_t offset = 0;  // in the file
    uint64_t count = 0;
    uint64_t width = 1;  // bytes per element
  };
  template <class T>
  const T* at(const Dataset& d) const {
    return reinterpret_cast<const T*>(base_ + d.offset);
  }
  void open_with_hdf5();
  void check_offsets(const Dataset& offsets, const Dataset& data, const char* offsets_name,
                     const char* data_name) const;

  std::string path_;
  ShardKind kind_ = ShardKind::kImage;
  uint64_t num_records_ = 0;
  uint64_t file_bytes_ = 0;
  std::vector<DatasetLayout> layout_;
  std::map<std::string, std::string> attributes_;
  std::map<std::string, Dataset> datasets_;
  const uint8_t* base_ = nullptr;
  size_t map_bytes_ = 0;
  // Resolved once after open, so record() does no map lookups.
  Dataset data_, data_offsets_, ints_, int_offsets_, keys_, b_start_, nsp_, checksums_;
};

struct SampleLocation {
  uint32_t shard = 0;
  uint64_t record = 0;
};

// Shards a ShardSet keeps mapped unless told otherwise: far below Linux's default
// vm.max_map_count (65,530), which the process shares with its libraries and allocator.
constexpr size_t kDefaultMaxOpenShards = 4096;

class ShardSet {
 public:
  // Reads `<dir>/manifest.yaml`; shards are opened lazily by shard(). At most
  // `max_open_shards` (>= 1) stay mapped; a reader still held by a caller stays valid after it
  // leaves the set, so up to max_open_shards + (threads holding one) can be mapped at once.
  // `read_ahead_shards`: each shard is read ahead whole when it is opened (ShardReader), for
  // shard-local epoch orders.
  explicit ShardSet(const std::string& dir, size_t max_open_shards = kDefaultMaxOpenShards,
                    bool read_ahead_shards = false);

  const std::string& dir() const { return dir_; }
  const Manifest& manifest() const { return manifest_; }
  ShardKind kind() const { return manifest_.kind; }
  size_t num_shards() const { return manifest_.shards.size(); }
  uint64_t num_samples() const { return prefix_.back(); }
  std::vector<uint64_t> shard_sizes() const;
  std::string shard_path(size_t shard) const;
  // Global index of the shard's first sample.
  uint64_t first_sample(size_t shard) const { return prefix_.at(shard); }

  // Global sample index -> (shard, record), by binary search over prefix sums (O(#shards)
  // memory). Out of range is an Error.
  SampleLocation locate(uint64_t global_index) const;

  // Checks that every shard the manifest lists is there with the manifest's byte size, and
  // throws one Error naming each missing or truncated (or grown) shard. Training calls it at
  // start: a lost shard is a lost share of the data, which must stop a run rather than be
  // papered over by substitutes. One stat() per shard; contents are checked by ptk-shards verify.
  void check_files() const;

  // The shard, opened and validated on first use (again after it was evicted); a shard that
  // failed to open throws the same Error on every call. Keep the returned pointer while using
  // record views of it. Thread safe.
  std::shared_ptr<const ShardReader> shard(size_t index) const;

  size_t max_open_shards() const { return max_open_; }
  // Shard readers alive now (in the set or held by callers), and the most there ever were:
  // what a test compares with max_open_shards.
  size_t open_shards() const;
  size_t peak_open_shards() const;
  // Shard opens so far (first opens and re-opens after eviction).
  uint64_t shard_opens() const;

 private:
  std::shared_ptr<const ShardReader> open_shard(size_t index) const;

  std::string dir_;
  Manifest manifest_;
  std::vector<uint64_t> prefix_;  // prefix_[i] = samples in shards [0, i)
  size_t max_open_;
  bool read_ahead_;
  mutable std::mutex mutex_;
  mutable LruCache<size_t, std::shared_ptr<const ShardReader>> open_;
  mutable std::unordered_map<size_t, std::string> errors_;
  // Shared with every reader's deleter, so the count stays right after the set is gone.
  struct Census {
    std::mutex mutex;
    size_t alive = 0;
    size_t peak = 0;
    uint64_t opens = 0;
  };
  std::shared_ptr<Census> census_ = std::make_shared<Census>();
};

}  // namespace ptk::data
