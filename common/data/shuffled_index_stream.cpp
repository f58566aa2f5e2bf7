#include "common/data/shuffled_index_stream.h"

#include <optional>
#include <utility>

#include "common/data/epoch_order.h"

namespace ptk::data {
namespace {

class ShuffledIndexStream : public train::BatchStream {
 public:
  ShuffledIndexStream(const train::StreamSpec& spec, uint64_t seed, IndexBatchBuilder make_batch)
      : spec_(spec), seed_(seed), make_batch_(std::move(make_batch)) {}

  train::Batch next() override {
    const train::SampleSlice slice = train::slice_for(spec_, batch_, micro_);
    if (++micro_ == spec_.accumulation) {
      micro_ = 0;
      ++batch_;
    }
    if (!permutation_ || epoch_ != slice.epoch) {
      permutation_.emplace(static_cast<uint64_t>(spec_.samples_per_epoch),
                           epoch_permutation_key(seed_, slice.epoch));
      epoch_ = slice.epoch;
    }
    std::vector<int64_t> indices(static_cast<size_t>(slice.count));
    for (int64_t i = 0; i < slice.count; ++i) {
      indices[static_cast<size_t>(i)] =
          static_cast<int64_t>((*permutation_)(static_cast<uint64_t>(slice.first + i)));
    }
    return make_batch_(slice, indices);
  }

 private:
  train::StreamSpec spec_;
  uint64_t seed_;
  IndexBatchBuilder make_batch_;
  int64_t batch_ = 0;
  int64_t micro_ = 0;
  int64_t epoch_ = -1;
  std::optional<FeistelPermutation> permutation_;
};

}  // namespace

uint64_t epoch_permutation_key(uint64_t seed, int64_t epoch) {
  return seed * 1000003ULL + static_cast<uint64_t>(epoch);
}

std::unique_ptr<train::BatchStream> open_shuffled_index_stream(const train::StreamSpec& spec,
                                                               uint64_t seed,
                                                               IndexBatchBuilder make_batch) {
  return std::make_unique<ShuffledIndexStream>(spec, seed, std::move(make_batch));
}

}  // namespace ptk::data
