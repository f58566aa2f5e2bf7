// The training stream the image benchmarks time: the wsl recipe's HashtagStream over an image
// shard set, configured as HashtagTask::open_train_stream configures it from the recipe's data.*
// defaults (RandomResizedCrop to data.image_size, flip, normalise, the recipe's loss targets),
// batches of 32, in the recipe's seeded epoch order.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include "common/data/epoch_order.h"
#include "common/data/shard_reader.h"
#include "vision/datasets/hashtag_stream.h"
#include "vision/datasets/hashtag_task_options.h"

namespace ptk::bench {

class WslTrainStream {
 public:
  static constexpr int64_t kBatch = 32;

  // Over `shards`, whose labels are `classes` hashtags, decoding on `threads` threads.
  WslTrainStream(std::shared_ptr<const data::ShardSet> shards, size_t classes, int threads)
      : shards_(std::move(shards)), order_(shards_->num_samples(), recipe_.seed) {
    options_.transform.output_size = static_cast<int>(recipe_.image_size);
    options_.transform.scale = {recipe_.min_scale, 1.0};
    options_.num_classes = classes;
    options_.target_kind = recipe_.loss;
    options_.threads = threads;
    options_.seed = recipe_.seed;
    spec_.global_batch = kBatch;
    spec_.micro_batch = kBatch;
    spec_.samples_per_epoch = static_cast<int64_t>(shards_->num_samples());
  }

  int64_t samples() const { return spec_.samples_per_epoch; }

  // What read() got. The stream is still open: closing it (stopping its decode threads, which
  // may be decoding batches ahead) is not timed, and happens where the caller drops it.
  struct Read {
    int64_t images = 0;
    double seconds = 0;
    std::unique_ptr<vision::HashtagStream> stream;
  };

  // Opens the stream and reads `batches` batches, timed from the opening (its decode threads
  // start there) to the last batch.
  Read read(int64_t batches) const {
    Read read;
    const auto start = std::chrono::steady_clock::now();
    read.stream = std::make_unique<vision::HashtagStream>(shards_, order_, spec_, options_);
    for (int64_t b = 0; b < batches; ++b) read.images += read.stream->next().size;
    read.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return read;
  }

 private:
  const vision::HashtagTaskOptions recipe_;  // the wsl recipe's defaults
  std::shared_ptr<const data::ShardSet> shards_;
  data::EpochOrder order_;
  vision::HashtagStreamOptions options_;
  train::StreamSpec spec_;
};

}  // namespace ptk::bench
