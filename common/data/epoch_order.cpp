#include "common/data/epoch_order.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string>

#include "common/base/error.h"
#include "common/data/lru_cache.h"
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
    throw error("permutation index {} out of range [0, {})", index, n_);
  }
  // Cycle-walking: the Feistel network permutes the larger domain; following the cycle until it
  // re-enters [0, n) restricts it to a permutation of [0, n).
  uint64_t x = encrypt(index);
  while (x >= n_) x = encrypt(x);
  return x;
}

EpochOrder::EpochOrder(uint64_t num_samples, uint64_t seed, bool shuffle)
    : num_samples_(num_samples), epoch_length_(num_samples), seed_(seed), shuffle_(shuffle) {
  fail_if(num_samples == 0, "epoch order: the data set has no samples");
}

EpochOrder EpochOrder::sized(uint64_t num_samples, uint64_t epoch_length, uint64_t seed) {
  EpochOrder order;
  order.num_samples_ = num_samples;
  order.epoch_length_ = epoch_length;
  order.seed_ = seed;
  return order;
}

EpochOrder EpochOrder::weighted(const std::vector<double>& weights, uint64_t seed,
                                uint64_t epoch_length) {
  fail_if(weights.empty(), "weighted epoch order: no weights given");
  fail_if(epoch_length == 0, "weighted epoch order: epoch length must be positive");
  EpochOrder order = sized(weights.size(), epoch_length, seed);
  auto cumulative = std::make_shared<std::vector<double>>(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      throw error("weighted epoch order: weight of sample {} is {:.6f} (must be finite and >= 0)",
                  i, weights[i]);
    }
    total += weights[i];
    (*cumulative)[i] = total;
  }
  fail_if(!(total > 0), "weighted epoch order: all weights are zero");
  order.cumulative_ = std::move(cumulative);
  return order;
}

namespace {

// Index of the interval of `cumulative` (running sums) that holds u * total; zero-width
// intervals (zero weights) are never chosen.
size_t inverse_cdf(const std::vector<double>& cumulative, double u) {
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u * cumulative.back());
  return it == cumulative.end() ? cumulative.size() - 1
                                : static_cast<size_t>(it - cumulative.begin());
}

constexpr uint64_t kWeightedStream = 0x5eed5a3b1e0f0001ull;
constexpr uint64_t kShardStream = 0x5eed5a3b1e0f0002ull;

}  // namespace

// The shard level of a two-step order and a least-recently-used cache of record levels.
struct EpochOrder::TwoStep {
  std::vector<uint64_t> first_sample;  // per shard, its first global sample index
  std::vector<uint64_t> sizes;
  std::vector<double> cumulative_shards;  // running sums of W_s
  std::function<std::vector<double>(size_t)> record_weights;
  uint64_t run_length = 1;

  using Cumulative = std::shared_ptr<const std::vector<double>>;  // empty: draw uniformly
  mutable std::mutex mutex;
  mutable LruCache<size_t, Cumulative> cache{1};

  Cumulative records_of(size_t shard) const {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (const Cumulative* cached = cache.find(shard)) return *cached;
    }
    auto cumulative = std::make_shared<std::vector<double>>();
    try {
      std::vector<double> weights = record_weights(shard);
      if (weights.size() == sizes[shard]) {
        double total = 0;
        for (double w : weights) {
          total += std::isfinite(w) && w > 0 ? w : 0.0;
          cumulative->push_back(total);
        }
        if (!(total > 0)) cumulative->clear();
      }
    } catch (const std::exception&) {
      cumulative->clear();  // the loader reports the shard when it reads it
    }
    std::lock_guard<std::mutex> lock(mutex);
    return cache.insert(shard, std::move(cumulative));
  }

  uint64_t sample_at(uint64_t seed, uint64_t epoch, uint64_t position) const {
    SampleRng shard_rng(seed ^ kShardStream, epoch, position / run_length);
    const size_t shard = inverse_cdf(cumulative_shards, shard_rng.uniform_double());
    SampleRng record_rng(seed ^ kWeightedStream, epoch, position);
    const double u = record_rng.uniform_double();
    const Cumulative records = records_of(shard);
    const uint64_t record =
        records->empty()
            ? std::min<uint64_t>(sizes[shard] - 1, static_cast<uint64_t>(u * sizes[shard]))
            : inverse_cdf(*records, u);
    return first_sample[shard] + record;
  }
};

EpochOrder EpochOrder::by_shard(ShardWeights weights, uint64_t seed, uint64_t epoch_length,
                                uint64_t run_length) {
  const size_t shards = weights.shard_sizes.size();
  fail_if(shards == 0, "weighted epoch order: the set has no shards");
  if (weights.shard_totals.size() != shards) {
    throw error("weighted epoch order: {} shard weights for {} shards", weights.shard_totals.size(),
                shards);
  }
  fail_if(epoch_length == 0, "weighted epoch order: epoch length must be positive");
  fail_if(run_length == 0, "weighted epoch order: run length must be positive");
  fail_if(!weights.record_weights, "weighted epoch order: no record weights given");
  auto two_step = std::make_shared<TwoStep>();
  uint64_t samples = 0;
  double total = 0;
  for (size_t s = 0; s < shards; ++s) {
    const double w = weights.shard_totals[s];
    if (!std::isfinite(w) || w < 0) {
      throw error("weighted epoch order: weight of shard {} is {:.6f} (must be finite and >= 0)", s,
                  w);
    }
    // An empty shard can never be drawn, whatever weight it was given.
    total += weights.shard_sizes[s] > 0 ? w : 0.0;
    two_step->first_sample.push_back(samples);
    two_step->cumulative_shards.push_back(total);
    samples += weights.shard_sizes[s];
  }
  fail_if(!(total > 0), "weighted epoch order: all shard weights are zero");
  two_step->sizes = std::move(weights.shard_sizes);
  two_step->record_weights = std::move(weights.record_weights);
  two_step->run_length = run_length;
  two_step->cache = LruCache<size_t, TwoStep::Cumulative>(weights.cached_shards);
  EpochOrder order = sized(samples, epoch_length, seed);
  order.two_step_ = std::move(two_step);
  return order;
}

// Windows of a shuffled shard sequence. Per epoch the start position of every window is kept
// (shards / window_shards numbers), for the two most recent epochs asked for.
struct EpochOrder::Windows {
  std::vector<uint64_t> sizes;
  std::vector<uint64_t> first_sample;
  uint64_t window_shards = 1;
  uint64_t seed = 0;

  struct Epoch {
    FeistelPermutation shards;
    std::vector<uint64_t> window_starts;  // positions; one more entry than windows
  };
  mutable std::mutex mutex;
  mutable std::map<uint64_t, std::shared_ptr<const Epoch>> epochs;

  std::shared_ptr<const Epoch> epoch_plan(uint64_t epoch) const {
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto it = epochs.find(epoch);
      if (it != epochs.end()) return it->second;
    }
    auto plan = std::make_shared<Epoch>(
        Epoch{FeistelPermutation(sizes.size(), mix64(seed ^ 0x3a1d) ^ mix64(epoch)), {0}});
    uint64_t position = 0;
    for (uint64_t k = 0; k < sizes.size(); ++k) {
      position += sizes[plan->shards(k)];
      if ((k + 1) % window_shards == 0 || k + 1 == sizes.size()) {
        plan->window_starts.push_back(position);
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    epochs.emplace(epoch, plan);
    while (epochs.size() > 2) epochs.erase(epochs.begin());
    return plan;
  }

  uint64_t sample_at(uint64_t epoch, uint64_t position) const {
    const std::shared_ptr<const Epoch> plan = epoch_plan(epoch);
    const auto& starts = plan->window_starts;
    const size_t window =
        static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), position) -
                            starts.begin()) -
        1;
    const uint64_t begin = starts[window];
    const uint64_t size = starts[window + 1] - begin;
    uint64_t offset = FeistelPermutation(
        size, mix64(seed) ^ mix64(epoch * 0x9e3779b97f4a7c15ull + window))(position - begin);
    // The window's shards, in their shuffled order, hold offsets [0, size) one after another.
    for (uint64_t k = window * window_shards;; ++k) {
      const uint64_t shard = plan->shards(k);
      if (offset < sizes[shard]) return first_sample[shard] + offset;
      offset -= sizes[shard];
    }
  }
};

EpochOrder EpochOrder::shard_windows(const std::vector<uint64_t>& shard_sizes,
                                     uint64_t window_shards, uint64_t seed) {
  fail_if(window_shards == 0, "windowed epoch order: a window needs at least one shard");
  auto windows = std::make_shared<Windows>();
  uint64_t samples = 0;
  for (uint64_t size : shard_sizes) {
    windows->first_sample.push_back(samples);
    samples += size;
  }
  fail_if(samples == 0, "epoch order: the data set has no samples");
  windows->sizes = shard_sizes;
  windows->window_shards = window_shards;
  windows->seed = seed;
  EpochOrder order = sized(samples, samples, seed);
  order.windows_ = std::move(windows);
  return order;
}

EpochOrder EpochOrder::over_kept_records(std::shared_ptr<const ExcludedRecords> excluded,
                                         uint64_t set_samples) const {
  fail_if(excluded == nullptr, "epoch order: no excluded records given");
  if (num_samples_ + excluded->size() != set_samples) {
    throw error("epoch order: {} kept + {} excluded records are not the set's {}", num_samples_,
                excluded->size(), set_samples);
  }
  EpochOrder order = *this;
  order.excluded_ = std::move(excluded);
  order.set_samples_ = set_samples;
  return order;
}

uint64_t EpochOrder::sample_at(uint64_t epoch, uint64_t position) const {
  if (position >= epoch_length_) {
    throw error("epoch order: position {} out of range (epoch has {} samples)", position,
                epoch_length_);
  }
  const uint64_t sample = kept_sample_at(epoch, position);
  return excluded_ ? excluded_->kept_to_global(sample) : sample;
}

uint64_t EpochOrder::kept_sample_at(uint64_t epoch, uint64_t position) const {
  if (cumulative_) {
    // The i-th draw of an epoch is a fixed function of (seed, epoch, i): a Philox uniform looked
    // up in the cumulative weights. Zero-weight samples are never drawn.
    SampleRng rng(seed_ ^ kWeightedStream, epoch, position);
    return inverse_cdf(*cumulative_, rng.uniform_double());
  }
  if (two_step_) return two_step_->sample_at(seed_, epoch, position);
  if (windows_) return windows_->sample_at(epoch, position);
  if (!shuffle_) return position;
  return FeistelPermutation(num_samples_, mix64(seed_) ^ mix64(epoch + 0x1234567ull))(position);
}

BatchPlan::BatchPlan(uint64_t epoch_length, uint64_t global_batch, int world_size)
    : epoch_length_(epoch_length), global_batch_(global_batch), world_size_(world_size) {
  if (world_size <= 0) throw usage_error("world size must be positive");
  if (global_batch == 0 || global_batch % static_cast<uint64_t>(world_size) != 0) {
    throw usage_error("global batch {} must be a positive multiple of the world size {}",
                      global_batch, world_size);
  }
  fail_if(epoch_length == 0, "batch plan: the epoch has no samples");
  if (global_batch > epoch_length) {
    throw usage_error("global batch {} is larger than an epoch of {} samples", global_batch,
                      epoch_length);
  }
  // Drop the last partial global batch (as the Trainer does): every step is a full batch.
  batches_per_epoch_ = epoch_length / global_batch;
}

PositionRange BatchPlan::rank_slice(uint64_t batch, int rank) const {
  if (rank < 0 || rank >= world_size_) {
    throw usage_error("rank {} outside world size {}", rank, world_size_);
  }
  const uint64_t begin = batch * global_batch_ + static_cast<uint64_t>(rank) * local_batch();
  return {begin, begin + local_batch()};
}

void BatchPlan::check_position(const LoaderPosition& position) const {
  if (position.samples_consumed % global_batch_ != 0 ||
      position.samples_consumed / global_batch_ >= batches_per_epoch_) {
    throw error(
        "loader position (epoch {}, {} samples consumed) is not a global-batch boundary for "
        "global batch {} and {} samples per epoch (resume needs the same global batch)",
        position.epoch, position.samples_consumed, global_batch_, epoch_length_);
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
