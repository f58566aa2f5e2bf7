// What `ptk-shards inspect | verify | stats` report about a shard set, as library functions so
// recipes and tests can use them too. verify() reads every byte of every shard; it names each
// damaged record and each shard that cannot be opened, and never stops at the first problem.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/data/shard_reader.h"

namespace ptk::data {

// The manifest summary, the layout of shard `shard` (datasets, types, file offsets,
// attributes) and record `record` of it.
std::string inspect_shard_set(const ShardSet& set, size_t shard, uint64_t record);

struct VerifyReport {
  uint64_t shards_checked = 0;
  uint64_t records_checked = 0;
  uint64_t bytes_checked = 0;
  std::vector<std::string> problems;  // one line each: "<shard file>: record 17: ..."
  bool ok() const { return problems.empty(); }
};

// Checks every shard's file checksum against the manifest, its layout and every record's
// checksum, on `jobs` threads (shards are shared out between them). Problems are sorted.
VerifyReport verify_shard_set(const ShardSet& set, int jobs);

// Counts and sizes per shard, record size distribution and, for image shards, the label
// histogram (the `top` most frequent labels and labels per image) or, for token shards, the
// sequence length histogram in `bins` bins.
std::string shard_set_stats(const ShardSet& set, int top, int bins);

}  // namespace ptk::data
