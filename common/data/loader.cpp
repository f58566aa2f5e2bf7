#include "common/data/loader.h"

#include <spdlog/spdlog.h>

namespace ptk::data {

RecordSource::RecordSource(std::shared_ptr<const ShardSet> shards, bool verify_checksums)
    : shards_(std::move(shards)), verify_(verify_checksums) {
  fail_if(!shards_, "loader: no shard set given");
}

RecordSource::Fetched RecordSource::fetch(uint64_t sample_index) const {
  Fetched out;
  out.where = shards_->locate(sample_index);
  try {
    out.shard = shards_->shard(out.where.shard);
    out.record = out.shard->record(out.where.record);
    if (verify_ && record_checksum(out.record) != out.record.checksum) {
      out.problem = "checksum mismatch";
      return out;
    }
    out.ok = true;
  } catch (const Error& e) {
    out.problem = e.what();
    // record() only fails for an index out of range, which locate() already excludes.
    out.shard_broken = true;
  }
  return out;
}

void RecordSource::report_bad(const Fetched& fetched) {
  const uint64_t record = fetched.shard_broken ? UINT64_MAX : fetched.where.record;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = logged_.insert({fetched.where.shard, record}).second;
  }
  if (!first) return;
  if (fetched.shard_broken) {
    spdlog::warn("shard '{}' cannot be read ({}); its records are replaced by substitutes",
                 shards_->shard_path(fetched.where.shard), fetched.problem);
  } else {
    spdlog::warn("bad record {} of shard '{}' ({}); replaced by a substitute", fetched.where.record,
                 shards_->shard_path(fetched.where.shard), fetched.problem);
  }
}

void RecordSource::count_substitution() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++substitutions_;
}

uint64_t RecordSource::substitutions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return substitutions_;
}

}  // namespace ptk::data
