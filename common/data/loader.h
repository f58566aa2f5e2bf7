// Loader: turns a shard set and an epoch order into this rank's batches. A thread pool decodes
// records with a user function `decode(record, rng) -> Sample`, at most `prefetch_batches`
// batches ahead; batches come out in order and their contents depend only on
// (seed, epoch, position), never on the number of threads. A record that fails its checksum,
// its shard's validation or its decode is replaced by the next good record of the epoch order
// (a fixed probe sequence), counted, and logged once, so every rank yields the same number of
// batches (a missing batch would hang DDP). Header-only template over Sample; torch-free.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/base/error.h"
#include "common/data/epoch_order.h"
#include "common/data/philox.h"
#include "common/data/shard_reader.h"

namespace ptk::data {

struct LoaderOptions {
  uint64_t global_batch = 256;
  int rank = 0;
  int world_size = 1;
  int threads = 4;           // 0: decode on the calling thread
  int prefetch_batches = 4;  // bound on decoded batches waiting to be taken
  uint64_t seed = 0;         // keys SampleRng (the epoch order has its own seed)
  LoaderPosition start;      // where to begin (a checkpointed position())
  uint64_t end_epoch = 0;    // next() returns nothing once this epoch is reached; 0: never
  bool verify_checksums = true;
  int max_probes = 64;  // substitutes tried before a batch fails with an Error
};

template <class Sample>
struct Batch {
  std::vector<Sample> samples;
  std::vector<uint64_t> sample_indices;  // global sample actually used for each slot
  uint64_t epoch = 0;
  uint64_t batch_in_epoch = 0;
  LoaderPosition next;       // the position after this batch: what a checkpoint stores
  uint32_t substituted = 0;  // slots filled by a substitute
};

// Fetches records by global sample index, verifies them and keeps the count and the
// logged-once set of bad records. Thread safe.
class RecordSource {
 public:
  RecordSource(std::shared_ptr<const ShardSet> shards, bool verify_checksums);

  struct Fetched {
    bool ok = false;
    std::shared_ptr<const ShardReader> shard;  // keeps `record` mapped
    RecordView record;
    SampleLocation where;
    std::string problem;        // why it is not ok
    bool shard_broken = false;  // the whole shard failed to open
  };
  Fetched fetch(uint64_t sample_index) const;
  // Logs a bad record (shard file and record index) the first time it is seen bad; a shard
  // that cannot be opened is logged once for all its records.
  void report_bad(const Fetched& fetched);
  // Counts one slot filled by a substitute.
  void count_substitution();
  uint64_t substitutions() const;
  const ShardSet& shards() const { return *shards_; }

 private:
  std::shared_ptr<const ShardSet> shards_;
  bool verify_;
  mutable std::mutex mutex_;
  std::set<std::pair<uint32_t, uint64_t>> logged_;
  uint64_t substitutions_ = 0;
};

template <class Sample>
class Loader {
 public:
  using Decode = std::function<Sample(const RecordView&, SampleRng&)>;

  Loader(std::shared_ptr<const ShardSet> shards, EpochOrder order, LoaderOptions options,
         Decode decode)
      : order_(std::move(order)),
        options_(options),
        plan_(order_.epoch_length(), options.global_batch, options.world_size),
        source_(std::move(shards), options.verify_checksums),
        decode_(std::move(decode)) {
    if (order_.num_samples() != source_.shards().num_samples()) {
      throw error("loader: epoch order covers {} samples but shard set '{}' has {}",
                  order_.num_samples(), source_.shards().dir(), source_.shards().num_samples());
    }
    plan_.rank_slice(0, options.rank);  // validates the rank
    plan_.check_position(options.start);
    first_batch_ = options.start.epoch * plan_.batches_per_epoch() +
                   options.start.samples_consumed / plan_.global_batch();
    if (options.end_epoch > 0) {
      const uint64_t end = options.end_epoch * plan_.batches_per_epoch();
      total_batches_ = end > first_batch_ ? end - first_batch_ : 0;
    } else {
      total_batches_ = UINT64_MAX;
    }
    if (options_.prefetch_batches < 1) options_.prefetch_batches = 1;
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { work(); });
  }

  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  ~Loader() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  // The next batch of this rank, or nothing after end_epoch. Rethrows an Error when no
  // substitute could be found for a slot within max_probes.
  std::optional<Batch<Sample>> next() {
    if (delivered_ >= total_batches_) return std::nullopt;
    Pending pending;
    if (workers_.empty()) {
      pending.slots.resize(plan_.local_batch());
      for (uint64_t j = 0; j < plan_.local_batch(); ++j) fill(delivered_, j, pending);
    } else {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_cv_.wait(lock, [&] {
        auto it = pending_.find(delivered_);
        return it != pending_.end() && it->second.filled == plan_.local_batch();
      });
      pending = std::move(pending_[delivered_]);
      pending_.erase(delivered_);
    }
    const uint64_t k = delivered_;
    ++delivered_;
    work_cv_.notify_all();
    if (pending.error) std::rethrow_exception(pending.error);

    Batch<Sample> batch;
    const uint64_t global = first_batch_ + k;
    batch.epoch = global / plan_.batches_per_epoch();
    batch.batch_in_epoch = global % plan_.batches_per_epoch();
    batch.next = plan_.advance({batch.epoch, batch.batch_in_epoch * plan_.global_batch()});
    batch.samples.reserve(pending.slots.size());
    for (auto& slot : pending.slots) batch.samples.push_back(std::move(*slot));
    batch.sample_indices = std::move(pending.indices);
    batch.substituted = pending.substituted;
    return batch;
  }

  // Position of the next batch next() returns: save it to resume exactly.
  LoaderPosition position() const {
    const uint64_t global = first_batch_ + delivered_;
    return {global / plan_.batches_per_epoch(),
            (global % plan_.batches_per_epoch()) * plan_.global_batch()};
  }
  const BatchPlan& plan() const { return plan_; }
  const EpochOrder& order() const { return order_; }
  uint64_t substitutions() const { return source_.substitutions(); }

 private:
  struct Pending {
    std::vector<std::optional<Sample>> slots;
    std::vector<uint64_t> indices;
    uint64_t filled = 0;
    uint32_t substituted = 0;
    std::exception_ptr error;
  };

  // Decodes slot j of local batch k into `pending` (caller holds no lock; `pending` is owned
  // by the caller or protected by the filled counter protocol below).
  void fill(uint64_t k, uint64_t j, Pending& pending) {
    if (pending.indices.size() < pending.slots.size()) pending.indices.resize(pending.slots.size());
    uint64_t index = 0;
    bool substituted = false;
    std::exception_ptr error;
    std::optional<Sample> sample;
    try {
      sample = produce(k, j, &index, &substituted);
    } catch (...) {
      error = std::current_exception();
    }
    pending.slots[j] = std::move(sample);
    pending.indices[j] = index;
    if (substituted) ++pending.substituted;
    if (error && !pending.error) pending.error = error;
    ++pending.filled;
  }

  Sample produce(uint64_t k, uint64_t j, uint64_t* index, bool* substituted) {
    const uint64_t global = first_batch_ + k;
    const uint64_t epoch = global / plan_.batches_per_epoch();
    const uint64_t length = order_.epoch_length();
    const uint64_t position =
        (plan_.rank_slice(global % plan_.batches_per_epoch(), options_.rank).begin + j) % length;
    std::string last_problem;
    for (int probe = 0; probe <= options_.max_probes; ++probe) {
      const uint64_t sample_index = order_.sample_at(epoch, (position + probe) % length);
      RecordSource::Fetched fetched = source_.fetch(sample_index);
      if (fetched.ok) {
        SampleRng rng(options_.seed, epoch, position);
        try {
          Sample sample = decode_(fetched.record, rng);
          *index = sample_index;
          *substituted = probe > 0;
          if (probe > 0) source_.count_substitution();
          return sample;
        } catch (const std::exception& e) {
          fetched.problem = std::string("decode failed: ") + e.what();
        }
      }
      last_problem = fetched.problem;
      source_.report_bad(fetched);
    }
    throw error(
        "loader: no good record within {} probes of epoch {} position {} in '{}'; last problem: {}",
        options_.max_probes, epoch, position, source_.shards().dir(), last_problem);
  }

  void work() {
    const uint64_t b = plan_.local_batch();
    while (true) {
      uint64_t s = 0;
      Pending* pending = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_cv_.wait(lock, [&] {
          return stop_ || (next_slot_ / b < total_batches_ &&
                           next_slot_ < (delivered_ + options_.prefetch_batches) * b);
        });
        if (stop_) return;
        s = next_slot_++;
        pending = &pending_[s / b];  // std::map: the element's address is stable
        if (pending->slots.empty()) {
          pending->slots.resize(b);
          pending->indices.resize(b);
        }
      }
      Pending local;
      local.slots.resize(b);
      local.indices.resize(b);
      fill(s / b, s % b, local);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending->slots[s % b] = std::move(local.slots[s % b]);
        pending->indices[s % b] = local.indices[s % b];
        pending->substituted += local.substituted;
        if (local.error && !pending->error) pending->error = local.error;
        if (++pending->filled == b) ready_cv_.notify_all();
      }
    }
  }

  EpochOrder order_;
  LoaderOptions options_;
  BatchPlan plan_;
  RecordSource source_;
  Decode decode_;
  uint64_t first_batch_ = 0;    // global batch number (epoch * batches_per_epoch + batch)
  uint64_t total_batches_ = 0;  // batches until end_epoch

  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable ready_cv_;
  bool stop_ = false;
  uint64_t next_slot_ = 0;  // next local sample slot to decode
  uint64_t delivered_ = 0;  // batches handed out by next()
  std::map<uint64_t, Pending> pending_;
  std::vector<std::thread> workers_;
};

}  // namespace ptk::data
