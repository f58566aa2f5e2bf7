#include "common/train/task.h"

#include "common/base/error.h"

namespace ptk::train {

LoaderPosition advance(LoaderPosition position, int64_t global_batch, int64_t samples_per_epoch) {
  fail_if(global_batch <= 0 || global_batch > samples_per_epoch,
          "global batch {} does not fit an epoch of {} samples", global_batch, samples_per_epoch);
  position.samples_in_epoch += global_batch;
  // Drop the last partial global batch: every step sees a full batch on every rank.
  if (position.samples_in_epoch + global_batch > samples_per_epoch) {
    position.epoch += 1;
    position.samples_in_epoch = 0;
  }
  return position;
}

SampleSlice slice_for(const StreamSpec& spec, int64_t batch_index, int64_t micro_step) {
  fail_if(spec.global_batch <= 0 || spec.global_batch > spec.samples_per_epoch,
          "global batch {} does not fit an epoch of {} samples", spec.global_batch,
          spec.samples_per_epoch);
  LoaderPosition position = spec.start;
  // A position left over from a run with a larger global batch may sit past the last full
  // batch of this run's layout: normalise it the same way advance() would.
  if (position.samples_in_epoch + spec.global_batch > spec.samples_per_epoch) {
    position.epoch += 1;
    position.samples_in_epoch = 0;
  }
  // Closed form of batch_index calls to advance(): the rest of the start epoch, then whole
  // epochs of samples_per_epoch / global_batch batches each.
  const int64_t left_in_start =
      (spec.samples_per_epoch - position.samples_in_epoch) / spec.global_batch;
  if (batch_index < left_in_start) {
    position.samples_in_epoch += batch_index * spec.global_batch;
  } else {
    const int64_t per_epoch = spec.samples_per_epoch / spec.global_batch;
    const int64_t rest = batch_index - left_in_start;
    position.epoch += 1 + rest / per_epoch;
    position.samples_in_epoch = (rest % per_epoch) * spec.global_batch;
  }
  SampleSlice slice;
  slice.epoch = position.epoch;
  slice.first =
      position.samples_in_epoch + (micro_step * spec.world_size + spec.rank) * spec.micro_batch;
  slice.count = spec.micro_batch;
  return slice;
}

const at::Tensor& Batch::at(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) {
    std::string present;
    for (const auto& [key, tensor] : fields) present += (present.empty() ? "" : ", ") + key;
    throw error("batch has no field '{}' (fields: {})", name, present);
  }
  return it->second;
}

}  // namespace ptk::train
