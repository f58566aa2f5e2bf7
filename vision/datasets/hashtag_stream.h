// HashtagStream: a rank's training micro-batches from an image shard set, laid out exactly as
// the Trainer's StreamSpec says (micro-step m of rank r reads slice_for(spec, b, m)). It runs
// one data::Loader per accumulation micro-step as virtual rank m * world_size + r of
// world_size * accumulation, so N ranks read exactly the samples one rank with the same global
// batch reads, and a stream opened at a checkpointed position continues exactly. Samples are
// decoded with TrainTransform keyed by (seed, epoch, position); results do not depend on threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/data/epoch_order.h"
#include "common/data/loader.h"
#include "common/data/shard_reader.h"
#include "common/train/task.h"
#include "vision/hashtags/targets.h"
#include "vision/transforms/augment.h"

namespace ptk::vision {

// One decoded training image: normalised CHW floats and the record's class ids.
struct HashtagSample {
  std::vector<float> pixels;
  std::vector<int32_t> labels;
};

struct HashtagStreamOptions {
  TrainTransform transform;
  size_t num_classes = 0;
  TargetKind target_kind = TargetKind::kSoftKHot;
  int threads = 2;  // decode threads of the whole stream; 0 decodes on the calling thread
  int prefetch_batches = 4;
  uint64_t seed = 0;  // keys the per-sample augmentation
};

// Batch fields: "images" float [n, 3, S, S], "targets" float [n, K] (k-hot / k or k-hot),
// "sample_index" int64 [n] (the shard set's global index of each record read).
class HashtagStream : public train::BatchStream {
 public:
  // `order.epoch_length()` must equal spec.samples_per_epoch. Errors name what disagrees.
  HashtagStream(std::shared_ptr<const data::ShardSet> shards, const data::EpochOrder& order,
                const train::StreamSpec& spec, HashtagStreamOptions options);
  train::Batch next() override;

 private:
  train::StreamSpec spec_;
  HashtagStreamOptions options_;
  std::vector<std::unique_ptr<data::Loader<HashtagSample>>> loaders_;
  size_t micro_step_ = 0;
};

}  // namespace ptk::vision
