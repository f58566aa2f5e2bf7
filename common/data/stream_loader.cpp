#include "common/data/stream_loader.h"

#include <algorithm>
#include <string>

#include "common/base/error.h"

namespace ptk::data {

LoaderPosition loader_start(const train::StreamSpec& spec) {
  // slice_for(spec, 0, 0) applies the Trainer's normalisation; its first sample of rank 0 is
  // the global batch's start.
  train::StreamSpec first = spec;
  first.rank = 0;
  const train::SampleSlice slice = train::slice_for(first, 0, 0);
  return {static_cast<uint64_t>(slice.epoch), static_cast<uint64_t>(slice.first)};
}

LoaderOptions loader_options(const train::StreamSpec& spec, int64_t micro_step, int threads,
                             int prefetch_batches, uint64_t seed) {
  if (spec.micro_batch * spec.world_size * spec.accumulation != spec.global_batch) {
    throw error(
        "stream spec: micro batch {} x {} ranks x {} micro-steps is not the global batch {}",
        spec.micro_batch, spec.world_size, spec.accumulation, spec.global_batch);
  }
  LoaderOptions o;
  o.global_batch = static_cast<uint64_t>(spec.global_batch);
  o.world_size = static_cast<int>(spec.world_size * spec.accumulation);
  o.rank = static_cast<int>(micro_step * spec.world_size + spec.rank);
  o.threads = threads;
  o.prefetch_batches = prefetch_batches;
  o.seed = seed;
  o.start = loader_start(spec);
  return o;
}

int threads_per_loader(const train::StreamSpec& spec, int threads) {
  if (threads <= 0) return 0;
  return std::max(1, threads / static_cast<int>(std::max<int64_t>(1, spec.accumulation)));
}

}  // namespace ptk::data
