#include "vision/datasets/hashtag_task_options.h"

#include "common/base/error.h"
#include "common/config/option_table.h"

namespace ptk::vision {
namespace {

config::OptionTable<HashtagTaskOptions> hashtag_task_table() {
  using config::at_least;
  using O = HashtagTaskOptions;
  config::OptionTable<O> t;
  t.add("model.arch", &O::arch,
        "backbone preset: resnet18/34/50, resnext50_32x4d, resnext101_32x{4,8,16,32,48}d, "
        "resnext101_64x4d, resnext_tiny")
      .add("model.zero_init_residual", &O::zero_init_residual,
           "zero the last BN of each residual branch (each block starts as identity)")
      .add("data.shards", &O::shards,
           "training shard set directory (ptk-wsl prepare's <out>/train)",
           config::non_empty("is required (a shard set directory)"))
      .add("data.val_shards", &O::val_shards,
           "validation shard set directory; empty = no evaluation")
      .add("data.exclude", &O::exclude,
           "file of record keys (one a line) training leaves out, e.g. ptk-wsl dedup's "
           "exclusions.txt: never drawn, and not counted in the sqrt/uniform resampling; "
           "empty = none")
      .add("data.resampling", &O::resampling,
           "hashtag resampling: natural | sqrt | uniform (Mahajan et al.: sqrt)",
           config::parsed(parse_resampling, to_string))
      .add("data.epoch_length", &O::epoch_length,
           "samples drawn per epoch with sqrt/uniform resampling; 0 = the set's size", at_least(0))
      .add("data.image_size", &O::image_size,
           "training crop side in pixels (RandomResizedCrop output)", at_least(1))
      .add("data.min_scale", &O::min_scale, "smallest crop area fraction of RandomResizedCrop",
           config::in_range(0.0, 1.0, "(]"))
      .add("data.eval_resize", &O::eval_resize,
           "evaluation shorter side before the centre crop; 0 = size*256/224", at_least(0))
      .add("data.threads", &O::threads, "decode threads per rank", at_least(0))
      .add("data.eval_batch", &O::eval_batch, "images per evaluation forward pass", at_least(1))
      .add("data.max_open_shards", &O::max_open_shards,
           "shards a rank keeps memory-mapped (least recently used first out); keep well under "
           "vm.max_map_count (65530 by default)",
           at_least(1))
      .add("data.shard_locality", &O::shard_locality,
           "0 = every draw from any shard; N > 0 = read few shards at a time (each read ahead "
           "whole): natural resampling visits the shards N at a time, sqrt/uniform draw N "
           "images in a row from each drawn shard",
           at_least(0))
      .add("loss.kind", &O::loss,
           "softmax (k-hot/k target, cross-entropy) | sigmoid (k-hot, per-class BCE)",
           config::parsed(parse_target_kind, to_string));
  return t;
}

}  // namespace

config::Schema hashtag_task_schema() { return hashtag_task_table().schema(); }

HashtagTaskOptions hashtag_task_options(const config::Config& config) {
  HashtagTaskOptions o = hashtag_task_table().read(config);
  o.seed = static_cast<uint64_t>(config.get_int("train.seed"));
  if (o.eval_resize == 0) o.eval_resize = (o.image_size * 256 + 112) / 224;
  if (o.eval_resize < o.image_size) {
    throw usage_error("data.eval_resize ({}) must be >= data.image_size ({})", o.eval_resize,
                      o.image_size);
  }
  return o;
}

}  // namespace ptk::vision
