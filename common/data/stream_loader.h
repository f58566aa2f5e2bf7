// Bridges the Trainer's stream layout and the data layer's Loader. A recipe's BatchStream runs
// one data::Loader per accumulation micro-step, as virtual rank m * world_size + r of
// world_size * accumulation: its slice of every global batch is exactly slice_for(spec, b, m),
// so N ranks read the samples one rank with the same global batch reads, and a stream opened at
// a checkpointed position continues exactly where the uninterrupted run would be.
#pragma once

#include <cstdint>

#include "common/data/epoch_order.h"
#include "common/data/loader.h"
#include "common/train/task.h"

namespace ptk::data {

// The data layer's position for the Trainer's spec.start, normalised as slice_for does (a
// position past the last full global batch is the start of the next epoch).
LoaderPosition loader_start(const train::StreamSpec& spec);

// Loader options that make the data layer yield micro-step `micro_step` of spec.rank. Throws
// ptk::Error when the spec's micro-batch x ranks x micro-steps is not its global batch.
LoaderOptions loader_options(const train::StreamSpec& spec, int64_t micro_step, int threads,
                             int prefetch_batches, uint64_t seed);

// The decode threads each of a stream's `spec.accumulation` loaders gets when the stream as a
// whole has `threads` (0: decode on the calling thread).
int threads_per_loader(const train::StreamSpec& spec, int threads);

}  // namespace ptk::data
