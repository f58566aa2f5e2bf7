// Epoch order: which sample comes at each position of each epoch, as a formula of
// (seed, epoch, number of samples) with O(1) memory per lookup, so billions of samples need no
// stored permutation. Shuffling uses a keyed Feistel network over the next power of four with
// cycle-walking, a bijection of [0, N). Weighted sampling (hashtag resampling) instead draws
// each position independently by inverse CDF over the caller's weights (8 bytes per sample).
// Global batch g covers positions [g*B, (g+1)*B) of the epoch; rank r of W takes the r-th
// contiguous B/W of it. A loader position is (epoch, samples consumed), independent of the
// number of ranks, so a run resumes exactly on a different world size with the same B.
#pragma once

#include <cstdint>
#include <vector>

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

class EpochOrder {
 public:
  // Uniform order: every sample exactly once per epoch, shuffled unless `shuffle` is false.
  EpochOrder(uint64_t num_samples, uint64_t seed, bool shuffle = true);
  // Weighted order: `epoch_length` independent draws per epoch, sample i with probability
  // weights[i] / sum(weights). Weights must be finite, >= 0 and not all zero. The cumulative
  // weights are kept (8 bytes per sample).
  static EpochOrder weighted(const std::vector<double>& weights, uint64_t seed,
                             uint64_t epoch_length);

  uint64_t num_samples() const { return num_samples_; }
  uint64_t epoch_length() const { return epoch_length_; }
  uint64_t seed() const { return seed_; }
  bool is_weighted() const { return !cumulative_.empty(); }

  // Global sample index at `position` (< epoch_length()) of `epoch`.
  uint64_t sample_at(uint64_t epoch, uint64_t position) const;

 private:
  EpochOrder() = default;
  uint64_t num_samples_ = 0;
  uint64_t epoch_length_ = 0;
  uint64_t seed_ = 0;
  bool shuffle_ = true;
  std::vector<double> cumulative_;
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
