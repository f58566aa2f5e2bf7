#include "common/data/loader.h"

#include <spdlog/spdlog.h>

namespace ptk::data {

RecordSource::RecordSource(std::shared_ptr<const ShardSet> shards, bool verify_checksums)
    : shards_(std::move(shards)), verify_(verify_checksums) {
  if (!shards_) throw Error("loader: no shard set given");
}

RecordSource::Fetched RecordSource::fetch(uint64_t sample_index) const {
  Fetched out;
  out.where = shards_->locate(sample_index);
  try {
    const ShardReader& shard = shards_->shard(out.where.shard);
    out.record = shard.record(out.where.record);
    if (verify_ && record_checksum(out.record) != out.record.checksum) {
      out.problem = "checksum mismatch";
      return out;
    }
    out.ok = true;
  } catch (const Error& e) {
    out.problem = e.what();
  }
  return out;
}

void RecordSource::report_bad(const SampleLocation& where, const std::string& problem) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++substitutions_;
    first = logged_.insert({where.shard, where.record}).second;
  }
  if (first) {
    spdlog::warn("bad record {} of shard '{}' ({}); replaced by a substitute", where.record,
                 shards_->shard_path(where.shard), problem);
  }
}

uint64_t RecordSource::substitutions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return substitutions_;
}

}  // namespace ptk::data
