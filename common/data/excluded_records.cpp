#include "common/data/excluded_records.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/base/split.h"
#include "common/base/trim.h"
#include "common/data/shard_reader.h"
#include "common/io/atomic_file.h"

namespace ptk::data {

namespace {

// The keys a file lists, each with its line number.
std::unordered_map<std::string, uint64_t> read_keys(const std::string& file) {
  const std::string text = io::read_file(file);
  std::unordered_map<std::string, uint64_t> keys;
  for_each_line(text, [&keys](uint64_t line_number, size_t, std::string_view line) {
    line = trim(line);
    if (!line.empty() && line.front() != '#') keys.emplace(std::string(line), line_number);
  });
  return keys;
}

}  // namespace

ExcludedRecords::ExcludedRecords(std::vector<uint64_t> indices,
                                 const std::vector<uint64_t>& shard_sizes)
    : indices_(std::move(indices)), per_shard_(shard_sizes.size(), 0) {
  std::sort(indices_.begin(), indices_.end());
  indices_.erase(std::unique(indices_.begin(), indices_.end()), indices_.end());
  uint64_t total = 0;
  for (uint64_t size : shard_sizes) total += size;
  fail_if(!indices_.empty() && indices_.back() >= total,
          "excluded records: index {} is past the set's {} records", indices_.back(), total);
  size_t shard = 0;
  uint64_t shard_end = shard_sizes.empty() ? 0 : shard_sizes[0];
  for (size_t j = 0; j < indices_.size(); ++j) {
    while (indices_[j] >= shard_end) shard_end += shard_sizes[++shard];
    ++per_shard_[shard];
    shifted_.push_back(indices_[j] - j);
  }
}

ExcludedRecords ExcludedRecords::read(const ShardSet& set, const std::string& file, int threads) {
  std::unordered_map<std::string, uint64_t> keys = read_keys(file);
  std::vector<uint64_t> found;
  std::vector<std::string> seen;
  std::mutex mutex;
  parallel_for(static_cast<int64_t>(set.num_shards()), threads, [&](int64_t s) {
    const auto shard = set.shard(static_cast<size_t>(s));
    std::vector<std::pair<uint64_t, std::string>> mine;
    for (uint64_t i = 0; i < shard->num_records(); ++i) {
      const std::string key(shard->record(i).key);
      if (keys.count(key) != 0)
        mine.emplace_back(set.first_sample(static_cast<size_t>(s)) + i, key);
    }
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& [index, key] : mine) {
      found.push_back(index);
      seen.push_back(std::move(key));
    }
  });
  for (const std::string& key : seen) keys.erase(key);
  if (!keys.empty()) {
    std::vector<std::pair<uint64_t, std::string>> missing;
    for (const auto& [key, line] : keys) missing.emplace_back(line, key);
    std::sort(missing.begin(), missing.end());
    std::string first;
    for (size_t k = 0; k < std::min<size_t>(3, missing.size()); ++k) {
      first += fmt::format("{}'{}' (line {})", k ? ", " : "", missing[k].second, missing[k].first);
    }
    throw error("{}: {} key(s) are not records of the shard set '{}': {}", file, missing.size(),
                set.dir(), first);
  }
  return ExcludedRecords(std::move(found), set.shard_sizes());
}

bool ExcludedRecords::contains(uint64_t global_index) const {
  return std::binary_search(indices_.begin(), indices_.end(), global_index);
}

std::vector<uint64_t> ExcludedRecords::kept_shard_sizes(
    const std::vector<uint64_t>& shard_sizes) const {
  std::vector<uint64_t> kept = shard_sizes;
  for (size_t s = 0; s < kept.size() && s < per_shard_.size(); ++s) kept[s] -= per_shard_[s];
  return kept;
}

uint64_t ExcludedRecords::kept_to_global(uint64_t kept) const {
  // Excluded records before the answer: those j with indices_[j] - j <= kept.
  const auto before = std::upper_bound(shifted_.begin(), shifted_.end(), kept) - shifted_.begin();
  return kept + static_cast<uint64_t>(before);
}

}  // namespace ptk::data
