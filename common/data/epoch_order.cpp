#include "common/data/epoch_order.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/base/error.h"
#include "common/data/philox.h"

namespace ptk::data {

namespace {

// splitmix64 finaliser: a fast, well-mixed 64-bit hash for the Feistel round function.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

constexpr int kFeistelRounds = 6;

}  // namespace

FeistelPermutation::FeistelPermutation(uint64_t n, uint64_t key) : n_(n), key_(mix64(key)) {
  int bits = 0;
  while (bits < 64 && (uint64_t{1} << bits) < n) ++bits;
  half_bits_ = (bits + 1) / 2;
  if (half_bits_ == 0) half_bits_ = 1;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
}

uint64_t FeistelPermutation::encrypt(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (int round = 0; round < kFeistelRounds; ++round) {
    const uint64_t f = mix64(right ^ mix64(key_ + static_cast<uint64_t>(round))) & half_mask_;
    const uint64_t next = left ^ f;
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t FeistelPermutation::operator()(uint64_t index) const {
  if (index >= n_) {
    throw Error("permutation index " + std::to_string(index) + " out of range [0, " +
                std::to_string(n_) + ")");
  }
  // Cycle-walking: the Feistel network permutes the larger domain; following the cycle until it
  // re-enters [0, n) restricts it to a permutation of [0, n).
  uint64_t x = encrypt(index);
  while (x >= n_) x = encrypt(x);
  return x;
}

EpochOrder::EpochOrder(uint64_t num_samples, uint64_t seed, bool shuffle)
    : num_samples_(num_samples), epoch_length_(num_samples), seed_(seed), shuffle_(shuffle) {
  if (num_samples == 0) throw Error("epoch order: the data set has no samples");
}

EpochOrder EpochOrder::weighted(const std::vector<double>& weights, uint64_t seed,
                                uint64_t epoch_length) {
  if (weights.empty()) throw Error("weighted epoch order: no weights given");
  if (epoch_length == 0) throw Error("weighted epoch order: epoch length must be positive");
  EpochOrder order;
  order.num_samples_ = weights.size();
  order.epoch_length_ = epoch_length;
  order.seed_ = seed;
  order.cumulative_.resize(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      throw Error("weighted epoch order: weight of sample " + std::to_string(i) + " is " +
                  std::to_string(weights[i]) + " (must be finite and >= 0)");
    }
    total += weights[i];
    order.cumulative_[i] = total;
  }
  if (!(total > 0)) throw Error("weighted epoch order: all weights are zero");
  return order;
}

uint64_t EpochOrder::sample_at(uint64_t epoch, uint64_t position) const {
  if (position >= epoch_length_) {
    throw Error("epoch order: position " + std::to_string(position) + " out of range (epoch has " +
                std::to_string(epoch_length_) + " samples)");
  }
  if (!cumulative_.empty()) {
    // The i-th draw of an epoch is a fixed function of (seed, epoch, i): a Philox uniform looked
    // up in the cumulative weights. Zero-weight samples are never drawn.
    SampleRng rng(seed_ ^ 0x5eed5a3b1e0f0001ull, epoch, position);
    const double u = rng.uniform_double() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    if (it == cumulative_.end()) --it;
    return static_cast<uint64_t>(it - cumulative_.begin());
  }
  if (!shuffle_) return position;
  return FeistelPermutation(num_samples_, mix64(seed_) ^ mix64(epoch + 0x1234567ull))(position);
}

BatchPlan::BatchPlan(uint64_t epoch_length, uint64_t global_batch, int world_size)
    : epoch_length_(epoch_length), global_batch_(global_batch), world_size_(world_size) {
  if (world_size <= 0) throw UsageError("world size must be positive");
  if (global_batch == 0 || global_batch % static_cast<uint64_t>(world_size) != 0) {
    throw UsageError("global batch " + std::to_string(global_batch) +
                     " must be a positive multiple of the world size " +
                     std::to_string(world_size));
  }
  if (epoch_length == 0) throw Error("batch plan: the epoch has no samples");
  if (global_batch > epoch_length) {
    throw UsageError("global batch " + std::to_string(global_batch) +
                     " is larger than an epoch of " + std::to_string(epoch_length) + " samples");
  }
  // Drop the last partial global batch (as the Trainer does): every step is a full batch.
  batches_per_epoch_ = epoch_length / global_batch;
}

PositionRange BatchPlan::rank_slice(uint64_t batch, int rank) const {
  if (rank < 0 || rank >= world_size_) {
    throw UsageError("rank " + std::to_string(rank) + " outside world size " +
                     std::to_string(world_size_));
  }
  const uint64_t begin = batch * global_batch_ + static_cast<uint64_t>(rank) * local_batch();
  return {begin, begin + local_batch()};
}

void BatchPlan::check_position(const LoaderPosition& position) const {
  if (position.samples_consumed % global_batch_ != 0 ||
      position.samples_consumed / global_batch_ >= batches_per_epoch_) {
    throw Error("loader position (epoch " + std::to_string(position.epoch) + ", " +
                std::to_string(position.samples_consumed) +
                " samples consumed) is not a global-batch boundary for global batch " +
                std::to_string(global_batch_) + " and " + std::to_string(epoch_length_) +
                " samples per epoch (resume needs the same global batch)");
  }
}

LoaderPosition BatchPlan::advance(LoaderPosition position) const {
  position.samples_consumed += global_batch_;
  if (position.samples_consumed / global_batch_ >= batches_per_epoch_) {
    ++position.epoch;
    position.samples_consumed = 0;
  }
  return position;
}

}  // namespace ptk::data
