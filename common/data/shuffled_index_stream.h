// A training stream over a dataset addressed by index, [0, spec.samples_per_epoch): epoch e
// visits the indices in the order of the data layer's keyed permutation for (seed, e), and each
// micro-batch slice of that order (train::slice_for) becomes a Batch through `make_batch`. For
// small datasets held in memory or as a list of files (GLUE rows, an image folder), where the
// shard loader does not apply. Like every stream, a pure function of (epoch, position): a run
// resumed at any LoaderPosition continues exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/train/task.h"

namespace ptk::data {

// Builds the micro-batch of `slice` from the dataset indices it covers (indices[i] is the
// sample at position slice.first + i of epoch slice.epoch).
using IndexBatchBuilder = std::function<train::Batch(const train::SampleSlice& slice,
                                                     const std::vector<int64_t>& indices)>;

// The permutation key of epoch `epoch` under `seed`.
uint64_t epoch_permutation_key(uint64_t seed, int64_t epoch);

std::unique_ptr<train::BatchStream> open_shuffled_index_stream(const train::StreamSpec& spec,
                                                               uint64_t seed,
                                                               IndexBatchBuilder make_batch);

}  // namespace ptk::data
