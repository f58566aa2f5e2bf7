// A map that keeps at most `capacity` entries, dropping the least recently used: what the shard
// set uses for its open shard maps and the two-step epoch order for its per-shard weights.
// Not thread safe: callers hold their own lock around it. Header-only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace ptk::data {

template <class Key, class Value>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}

  // The value of `key`, which becomes the most recently used, or nullptr.
  const Value* find(const Key& key) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    recency_.splice(recency_.begin(), recency_, it->second.second);
    return &it->second.first;
  }

  // Keeps `value` for `key` unless the cache has one already (another thread may have made it
  // first), and returns the kept one; entries beyond the capacity leave, least recent first.
  const Value& insert(const Key& key, Value value) {
    if (const Value* kept = find(key)) return *kept;
    recency_.push_front(key);
    const Value& kept = entries_.emplace(key, std::make_pair(std::move(value), recency_.begin()))
                            .first->second.first;
    while (entries_.size() > capacity_) {
      entries_.erase(recency_.back());
      recency_.pop_back();
    }
    return kept;  // the newest entry is never the one dropped
  }

  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  std::list<Key> recency_;  // most recently used first
  std::unordered_map<Key, std::pair<Value, typename std::list<Key>::iterator>> entries_;
};

}  // namespace ptk::data
