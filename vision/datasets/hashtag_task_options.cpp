#include "vision/datasets/hashtag_task_options.h"

#include "common/base/error.h"
#include "common/data/shard_reader.h"

namespace ptk::vision {

config::Schema hashtag_task_schema() {
  config::Schema s;
  s.add("model.arch", "resnext101_32x8d",
        "backbone preset: resnet18/34/50, resnext50_32x4d, resnext101_32x{4,8,16,32,48}d, "
        "resnext101_64x4d, resnext_tiny")
      .add("model.zero_init_residual", config::Value(false),
           "zero the last BN of each residual branch (each block starts as identity)")
      .add("data.shards", "", "training shard set directory (ptk-wsl prepare's <out>/train)")
      .add("data.val_shards", "", "validation shard set directory; empty = no evaluation")
      .add("data.resampling", "sqrt",
           "hashtag resampling: natural | sqrt | uniform (Mahajan et al.: sqrt)")
      .add("data.epoch_length", 0,
           "samples drawn per epoch with sqrt/uniform resampling; 0 = the set's size")
      .add("data.image_size", 224, "training crop side in pixels (RandomResizedCrop output)")
      .add("data.min_scale", config::Value(0.08),
           "smallest crop area fraction of RandomResizedCrop")
      .add("data.eval_resize", 0,
           "evaluation shorter side before the centre crop; 0 = size*256/224")
      .add("data.threads", 4, "decode threads per rank")
      .add("data.eval_batch", 256, "images per evaluation forward pass")
      .add("data.max_open_shards", static_cast<int64_t>(data::kDefaultMaxOpenShards),
           "shards a rank keeps memory-mapped (least recently used first out); keep well under "
           "vm.max_map_count (65530 by default)")
      .add("data.shard_locality", 0,
           "0 = every draw from any shard; N > 0 = read few shards at a time (each read ahead "
           "whole): natural resampling visits the shards N at a time, sqrt/uniform draw N "
           "images in a row from each drawn shard")
      .add("loss.kind", "softmax",
           "softmax (k-hot/k target, cross-entropy) | sigmoid (k-hot, per-class BCE)");
  return s;
}

HashtagTaskOptions hashtag_task_options(const config::Config& config) {
  HashtagTaskOptions o;
  o.arch = config.get_string("model.arch");
  o.zero_init_residual = config.get_bool("model.zero_init_residual");
  o.shards = config.get_string("data.shards");
  o.val_shards = config.get_string("data.val_shards");
  o.resampling = parse_resampling(config.get_string("data.resampling"));
  o.epoch_length = config.get_int("data.epoch_length");
  o.image_size = config.get_int("data.image_size");
  o.min_scale = config.get_float("data.min_scale");
  o.eval_resize = config.get_int("data.eval_resize");
  o.threads = config.get_int("data.threads");
  o.eval_batch = config.get_int("data.eval_batch");
  o.max_open_shards = config.get_int("data.max_open_shards");
  o.shard_locality = config.get_int("data.shard_locality");
  o.loss = parse_target_kind(config.get_string("loss.kind"));
  o.seed = static_cast<uint64_t>(config.get_int("train.seed"));
  if (o.shards.empty()) throw UsageError("data.shards is required (a shard set directory)");
  if (o.epoch_length < 0) throw UsageError("data.epoch_length must be >= 0");
  if (o.image_size < 1) throw UsageError("data.image_size must be >= 1");
  if (!(o.min_scale > 0.0 && o.min_scale <= 1.0)) {
    throw UsageError("data.min_scale must be in (0, 1]");
  }
  if (o.eval_resize < 0) throw UsageError("data.eval_resize must be >= 0");
  if (o.eval_resize == 0) o.eval_resize = (o.image_size * 256 + 112) / 224;
  if (o.eval_resize < o.image_size) {
    throw UsageError("data.eval_resize (" + std::to_string(o.eval_resize) +
                     ") must be >= data.image_size (" + std::to_string(o.image_size) + ")");
  }
  if (o.threads < 0) throw UsageError("data.threads must be >= 0");
  if (o.eval_batch < 1) throw UsageError("data.eval_batch must be >= 1");
  if (o.max_open_shards < 1) throw UsageError("data.max_open_shards must be >= 1");
  if (o.shard_locality < 0) throw UsageError("data.shard_locality must be >= 0");
  return o;
}

}  // namespace ptk::vision
