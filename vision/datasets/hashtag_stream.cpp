#include "vision/datasets/hashtag_stream.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>
#include <utility>

#include "common/base/error.h"
#include "common/data/collate.h"
#include "common/data/stream_loader.h"

namespace ptk::vision {

HashtagStream::HashtagStream(std::shared_ptr<const data::ShardSet> shards,
                             const data::EpochOrder& order, const train::StreamSpec& spec,
                             HashtagStreamOptions options)
    : spec_(spec), options_(std::move(options)) {
  fail_if(static_cast<int64_t>(order.epoch_length()) != spec.samples_per_epoch,
          "hashtag stream: the epoch order has {} samples per epoch but the trainer expects {}",
          order.epoch_length(), spec.samples_per_epoch);
  fail_if(options_.num_classes == 0, "hashtag stream: the vocabulary is empty");
  options_.transform.validate();
  // Split the decode threads over the micro-step loaders (each holds its own pool).
  const int per_loader = data::threads_per_loader(spec, options_.threads);
  const TrainTransform transform = options_.transform;
  const size_t classes = options_.num_classes;
  auto decode = [transform, classes](const data::RecordView& record, data::SampleRng& rng) {
    // A record the vocabulary cannot label is bad data: the loader logs and replaces it.
    if (record.labels.size == 0) throw error("record '{}' has no class", record.key);
    for (int32_t c : record.labels) {
      if (c < 0 || static_cast<size_t>(c) >= classes) {
        throw error("record '{}' has class id {} outside the vocabulary of {} classes", record.key,
                    c, classes);
      }
    }
    HashtagSample sample;
    sample.pixels.resize(transform.output_floats());
    transform.apply(record.image_bytes.data, record.image_bytes.size, std::string(record.key), rng,
                    sample.pixels.data());
    sample.labels.assign(record.labels.data, record.labels.data + record.labels.size);
    return sample;
  };
  for (int64_t m = 0; m < spec.accumulation; ++m) {
    loaders_.push_back(std::make_unique<data::Loader<HashtagSample>>(
        shards, order,
        data::loader_options(spec, m, per_loader, options_.prefetch_batches, options_.seed),
        decode));
  }
}

train::Batch HashtagStream::next() {
  std::optional<data::Batch<HashtagSample>> batch = loaders_[micro_step_]->next();
  micro_step_ = (micro_step_ + 1) % loaders_.size();
  fail_if(!batch, "hashtag stream: the loader ended (it is opened without an end)");
  const int64_t n = static_cast<int64_t>(batch->samples.size());
  const int64_t side = options_.transform.output_size;
  const size_t classes = options_.num_classes;

  at::Tensor images = at::empty({n, 3, side, side}, at::kFloat);
  at::Tensor targets = at::empty({n, static_cast<int64_t>(classes)}, at::kFloat);
  at::Tensor indices = at::empty({n}, at::kLong);
  float* image_data = images.data_ptr<float>();
  float* target_data = targets.data_ptr<float>();
  int64_t* index_data = indices.data_ptr<int64_t>();
  const size_t floats = options_.transform.output_floats();
  for (int64_t i = 0; i < n; ++i) {
    const HashtagSample& sample = batch->samples[static_cast<size_t>(i)];
    std::copy(sample.pixels.begin(), sample.pixels.end(), image_data + i * floats);
    fill_target(sample.labels.data(), sample.labels.size(), classes, options_.target_kind,
                target_data + i * classes);
    index_data[i] = static_cast<int64_t>(batch->sample_indices[static_cast<size_t>(i)]);
  }
  train::Batch out;
  out.fields["images"] = data::pin_if_cuda(images);
  out.fields["targets"] = data::pin_if_cuda(targets);
  out.fields["sample_index"] = indices;
  out.size = n;
  return out;
}

}  // namespace ptk::vision
