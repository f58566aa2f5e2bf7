// Epoch order: which sample comes at each position of each epoch, as a formula of
// (seed, epoch, number of samples) with O(1) memory per lookup, so billions of samples need no
// stored permutation. Shuffling uses a keyed Feistel network over the next power of four with
// cycle-walking, a bijection of [0, N). Weighted sampling (hashtag resampling) instead draws
// each position independently: by inverse CDF over the caller's per-sample weights (8 bytes per
// sample, for small sets), or in two steps, a shard by its total weight and then a record of it
// (O(shards) memory; a bounded cache of per-record weights of recently drawn shards).
// Shard-local orders trade some randomness for reading few shards at a time: a uniform order
// can visit the shards in windows (every sample still exactly once per epoch), a two-step
// weighted order can draw runs of consecutive samples from one shard (each draw still has the
// exact marginal probability).
// Global batch g covers positions [g*B, (g+1)*B) of the epoch; rank r of W takes the r-th
// contiguous B/W of it. A loader position is (epoch, samples consumed), independent of the
// number of ranks, so a run resumes exactly on a different world size with the same B.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/data/excluded_records.h"

namespace ptk::data {

// A keyed bijection of [0, n). O(1) memory; each lookup costs a few Feistel evaluations
// (expected < 4 cycle-walking steps because the domain is less than 4n).
class FeistelPermutation {
 public:
  FeistelPermutation(uint64_t n, uint64_t key);
  uint64_t size() const { return n_; }
  uint64_t operator()(uint64_t index) const;

 private:
  uint64_t encrypt(uint64_t x) const;
  uint64_t n_;
  uint64_t key_;
  int half_bits_ = 0;  // the domain is 2^(2*half_bits_)
  uint64_t half_mask_ = 0;
};

struct LoaderPosition {
  uint64_t epoch = 0;
  uint64_t samples_consumed = 0;  // global positions of this epoch already delivered
  bool operator==(const LoaderPosition& o) const {
    return epoch == o.epoch && samples_consumed == o.samples_consumed;
  }
};

// [begin, end) positions of the epoch order, for one rank and one global batch.
struct PositionRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - begin; }
};

// Per-shard weights for two-step draws (EpochOrder::by_shard).
struct ShardWeights {
  std::vector<uint64_t> shard_sizes;  // records per shard, in set order
  std::vector<double> shard_totals;   // W_s: the sum of the shard's record weights
  // w_i of every record of a shard (only their proportions within the shard matter). Called
  // when a shard is first drawn and again after it left the cache; may throw (a shard that
  // cannot be read), and that shard's records are then drawn uniformly, so the loader meets,
  // reports and replaces them. Must be thread safe.
  std::function<std::vector<double>(size_t shard)> record_weights;
  size_t cached_shards = 4096;  // per-record weights of this many shards are kept
};

class EpochOrder {
 public:
  // Uniform order: every sample exactly once per epoch, shuffled unless `shuffle` is false.
  EpochOrder(uint64_t num_samples, uint64_t seed, bool shuffle = true);
  // Weighted order: `epoch_length` independent draws per epoch, sample i with probability
  // weights[i] / sum(weights). Weights must be finite, >= 0 and not all zero. The cumulative
  // weights are kept (8 bytes per sample, shared by copies).
  static EpochOrder weighted(const std::vector<double>& weights, uint64_t seed,
                             uint64_t epoch_length);
  // Two-step weighted order over a sharded set: each draw picks shard s with probability
  // W_s / sum(W), then record i of it with probability w_i / W_s, so sample i of the set is drawn
  // with probability w_i / sum(W) as with weighted(), in O(shards) memory. With run_length R > 1
  // the draws at positions [k R, (k+1) R) of an epoch share one shard draw (shard-local
  // reading); each position's marginal distribution is unchanged.
  static EpochOrder by_shard(ShardWeights weights, uint64_t seed, uint64_t epoch_length,
                             uint64_t run_length = 1);
  // Uniform order read window by window: each epoch shuffles the shards, cuts that sequence into
  // windows of `window_shards` shards, and visits the windows in turn, each window's samples
  // shuffled among themselves. Every sample exactly once per epoch; a rank reads from at most a
  // window (or two, at a boundary) at a time instead of from every shard.
  static EpochOrder shard_windows(const std::vector<uint64_t>& shard_sizes, uint64_t window_shards,
                                  uint64_t seed);

  // The same order over the records that `excluded` leaves in a set of `set_samples`: this
  // order must have been built over the kept records, counted 0 .. kept - 1 in set order
  // (ExcludedRecords::kept_shard_sizes gives the shard sizes to build a windowed one with); the
  // result answers with the set's global indices and never with an excluded one.
  EpochOrder over_kept_records(std::shared_ptr<const ExcludedRecords> excluded,
                               uint64_t set_samples) const;

  // Samples of the set the order draws from (global indices are below it).
  uint64_t num_samples() const { return excluded_ ? set_samples_ : num_samples_; }
  uint64_t epoch_length() const { return epoch_length_; }
  uint64_t seed() const { return seed_; }
  bool is_weighted() const { return cumulative_ != nullptr || two_step_ != nullptr; }

  // Global sample index at `position` (< epoch_length()) of `epoch`. Thread safe.
  uint64_t sample_at(uint64_t epoch, uint64_t position) const;

 private:
  struct TwoStep;
  struct Windows;
  EpochOrder() = default;
  static EpochOrder sized(uint64_t num_samples, uint64_t epoch_length, uint64_t seed);
  uint64_t num_samples_ = 0;
  uint64_t epoch_length_ = 0;
  uint64_t seed_ = 0;
  bool shuffle_ = true;
  // At most one of these is set; copies share them (and the caches inside).
  std::shared_ptr<const std::vector<double>> cumulative_;
  std::shared_ptr<const TwoStep> two_step_;
  std::shared_ptr<const Windows> windows_;
  // Set by over_kept_records: positions map to kept records, then to global indices.
  std::shared_ptr<const ExcludedRecords> excluded_;
  uint64_t set_samples_ = 0;
  uint64_t kept_sample_at(uint64_t epoch, uint64_t position) const;
};

// How global batches of an epoch are cut and shared between ranks. An epoch has
// floor(epoch_length / B) batches; the last partial global batch is dropped, so every rank gets
// the same number of full batches. This is the Trainer's rule (ptk::train::advance), so a
// position the Trainer checkpoints is exactly where a loader resumes.
class BatchPlan {
 public:
  // `global_batch` must be a positive multiple of `world_size` and at most `epoch_length`.
  BatchPlan(uint64_t epoch_length, uint64_t global_batch, int world_size);

  uint64_t global_batch() const { return global_batch_; }
  uint64_t local_batch() const { return global_batch_ / world_size_; }
  int world_size() const { return world_size_; }
  uint64_t batches_per_epoch() const { return batches_per_epoch_; }

  // Positions (all < epoch_length) that `rank` reads in global batch `batch` of an epoch.
  PositionRange rank_slice(uint64_t batch, int rank) const;

  // Checks that `position` is at a global-batch boundary of this plan; an Error otherwise.
  void check_position(const LoaderPosition& position) const;
  // The position after one more global batch.
  LoaderPosition advance(LoaderPosition position) const;

 private:
  uint64_t epoch_length_;
  uint64_t global_batch_;
  int world_size_;
  uint64_t batches_per_epoch_;
};

}  // namespace ptk::data
