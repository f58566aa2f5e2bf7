// Records of a shard set that training leaves out (data.exclude: the exclusions.txt of
// `ptk-wsl dedup`, or any list of record keys): their global indices, sorted. An order over the
// kept records counts them 0 .. kept - 1 in set order; kept_to_global maps that count back to
// the set's global index in O(log excluded), so no table of kept indices is stored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::data {

class ShardSet;

class ExcludedRecords {
 public:
  ExcludedRecords() = default;
  // `indices`: global indices into a set with `shard_sizes`; sorted and deduplicated here.
  ExcludedRecords(std::vector<uint64_t> indices, const std::vector<uint64_t>& shard_sizes);

  // The records of `set` whose keys `file` lists (one a line; blank lines and lines starting
  // with '#' are skipped). Reads every shard's keys once, on `threads` threads. A key the set
  // does not hold is an Error naming the file and the first few such keys.
  static ExcludedRecords read(const ShardSet& set, const std::string& file, int threads);

  bool empty() const { return indices_.empty(); }
  uint64_t size() const { return indices_.size(); }
  const std::vector<uint64_t>& indices() const { return indices_; }
  bool contains(uint64_t global_index) const;
  // Excluded records per shard.
  const std::vector<uint64_t>& per_shard() const { return per_shard_; }
  // Records per shard once the excluded ones are left out.
  std::vector<uint64_t> kept_shard_sizes(const std::vector<uint64_t>& shard_sizes) const;
  // The global index of the `kept`-th record that is not excluded.
  uint64_t kept_to_global(uint64_t kept) const;

 private:
  std::vector<uint64_t> indices_;
  std::vector<uint64_t> shifted_;  // indices_[j] - j: kept records before the j-th excluded one
  std::vector<uint64_t> per_shard_;
};

}  // namespace ptk::data
