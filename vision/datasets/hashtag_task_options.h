// What a HashtagTask is built from: model, data and loss options, read from the `model.*`,
// `data.*` and `loss.*` config keys (hashtag_task_schema); each field's default is its key's.
// Torch-free, so tools can list and check the keys without LibTorch.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/config.h"
#include "common/data/shard_reader.h"
#include "vision/hashtags/resampling.h"
#include "vision/hashtags/targets.h"

namespace ptk::vision {

struct HashtagTaskOptions {
  std::string arch = "resnext101_32x8d";  // model.arch: a resnet_config() preset
  bool zero_init_residual = false;        // model.zero_init_residual
  std::string shards;                     // data.shards: training shard set directory
  std::string val_shards;                 // data.val_shards: "" = no evaluation
  std::string exclude;  // data.exclude: file of record keys training leaves out; "" = none
  Resampling resampling = Resampling::kSquareRoot;  // data.resampling
  int64_t epoch_length = 0;  // data.epoch_length: draws per epoch when resampling; 0 = set size
  int64_t image_size = 224;  // data.image_size: training crop side
  double min_scale = 0.08;   // data.min_scale: RandomResizedCrop's smallest area fraction
  int64_t eval_resize = 0;   // data.eval_resize: eval shorter side; 0 = image_size * 256 / 224
  int64_t threads = 4;       // data.threads: decode threads per rank
  int64_t eval_batch = 256;  // data.eval_batch
  int64_t max_open_shards = data::kDefaultMaxOpenShards;  // data.max_open_shards: maps per rank
  int64_t shard_locality = 0;               // data.shard_locality: 0 = draw from any shard
  TargetKind loss = TargetKind::kSoftKHot;  // loss.kind: softmax | sigmoid
  uint64_t seed = 0;                        // train.seed: epoch order and augmentation
};

// model.*, data.*, loss.* with defaults and help.
config::Schema hashtag_task_schema();

// Reads and validates those keys (and train.seed); a bad value is a usage_error naming the key.
HashtagTaskOptions hashtag_task_options(const config::Config& config);

}  // namespace ptk::vision
