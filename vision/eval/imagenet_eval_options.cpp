#include "vision/eval/imagenet_eval_options.h"

#include <cmath>
#include <set>

#include "common/base/error.h"

namespace ptk::vision {

namespace {

std::array<float, 3> three_floats(const config::Config& config, const std::string& key,
                                  bool positive) {
  const std::vector<double> values = config.get_float_list(key);
  if (values.size() != 3) {
    throw UsageError(key + " must list 3 values (R, G, B), got " + std::to_string(values.size()));
  }
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    if (!std::isfinite(values[i]) || (positive && values[i] <= 0)) {
      throw UsageError(key + " must hold finite" + std::string(positive ? " positive" : "") +
                       " values");
    }
    out[i] = static_cast<float>(values[i]);
  }
  return out;
}

}  // namespace

BackboneInit parse_backbone_init(const std::string& name) {
  if (name == "checkpoint") return BackboneInit::kCheckpoint;
  if (name == "random") return BackboneInit::kRandom;
  if (name == "pixels") return BackboneInit::kPixels;
  throw UsageError("eval.init must be checkpoint | random | pixels, got '" + name + "'");
}

const char* to_string(BackboneInit init) {
  switch (init) {
    case BackboneInit::kCheckpoint:
      return "checkpoint";
    case BackboneInit::kRandom:
      return "random";
    case BackboneInit::kPixels:
      return "pixels";
  }
  return "?";
}

config::Schema imagenet_eval_schema() {
  config::Schema s;
  s.add("eval.checkpoint", "",
        "backbone weights: a run directory (its newest checkpoint), a checkpoint directory, or a "
        ".pt / .safetensors state dict (then eval.arch is required)")
      .add("eval.arch", "", "architecture preset; empty = model.arch of the checkpoint's config")
      .add("eval.init", "checkpoint",
           "checkpoint (the weights) | random (same arch, fresh init: the baseline) | pixels "
           "(identity backbone: normalised pixels are the features)")
      .add("eval.data", "", "ImageNet-layout root: train/<wnid>/*, val/<wnid>/* (or a flat val/)")
      .add("eval.val_ground_truth", "",
           "devkit form: file with one 1-based class number per val image (sorted file names)")
      .add("eval.val_synsets", "", "devkit form: the wnid of each class number, one per line")
      .add("eval.protocols", config::Value(std::vector<std::string>{"linear", "knn"}),
           "any of linear (probe on frozen, cached features), knn, finetune")
      .add("eval.out", "", "output directory: results.json, results.md; \"\" = runs/eval-<verb>")
      .add("init.from", "",
           "instead of eval.checkpoint: a .pth / .pt / .safetensors state dict (torchvision keys; "
           "eval.arch names the architecture)")
      .add("eval.cache_dir", "",
           "feature cache (HDF5, keyed by weights + transform + data); empty = <eval.out>/"
           "feature_cache")
      .add("eval.resize", 256, "shorter side before the centre crop (= eval.crop: no resize)")
      .add("eval.crop", 224, "centre crop side in pixels (also the fine-tuning crop)")
      .add("eval.channels", 3, "3 = RGB; 1 = the mean of R, G, B (greyscale data sets)")
      .add("eval.mean", config::Value(std::vector<double>{0.485, 0.456, 0.406}),
           "per-channel mean of pixel/255 (ImageNet)")
      .add("eval.std", config::Value(std::vector<double>{0.229, 0.224, 0.225}),
           "per-channel std of pixel/255 (ImageNet)")
      .add("eval.batch", 256, "images per forward pass")
      .add("eval.threads", 4, "image decode threads and LibTorch intra-op threads")
      .add("eval.device", "cpu", "cpu | cuda | cuda:N")
      .add("eval.seed", 0, "random init, held-out split and fine-tuning order")
      .add("linear.weight_decays", config::Value(std::vector<double>{1e-5, 1e-4, 1e-3, 1e-2, 1e-1}),
           "L2 penalties swept on a held-out split of train; the best is refitted on all train")
      .add("linear.holdout_fraction", config::Value(0.1), "share of train held out for the sweep")
      .add("linear.max_iterations", 100, "L-BFGS iterations per fit")
      .add("knn.k", 20, "neighbours (cosine similarity of L2-normalised features)")
      .add("knn.temperature", config::Value(0.07), "neighbour votes weigh exp(similarity / T)")
      .add("finetune.epochs", 2, "epochs over train of the whole backbone + a new head")
      .add("finetune.batch", 64, "images per SGD step")
      .add("finetune.lr", config::Value(0.01), "peak learning rate (cosine decay to 0)")
      .add("finetune.momentum", config::Value(0.9), "SGD momentum")
      .add("finetune.weight_decay", config::Value(1e-4), "SGD weight decay")
      .add("finetune.min_scale", config::Value(0.08),
           "smallest crop area fraction of RandomResizedCrop")
      .add("finetune.hflip", config::Value(0.5), "probability of a left-right flip");
  return s;
}

ImageNetEvalOptions imagenet_eval_options(const config::Config& config) {
  ImageNetEvalOptions o;
  o.checkpoint = config.get_string("eval.checkpoint");
  if (const std::string& from = config.get_string("init.from"); !from.empty()) {
    if (!o.checkpoint.empty()) {
      throw UsageError("give eval.checkpoint or init.from, not both");
    }
    o.checkpoint = from;
  }
  o.arch = config.get_string("eval.arch");
  o.init = parse_backbone_init(config.get_string("eval.init"));
  o.data = config.get_string("eval.data");
  o.val_ground_truth = config.get_string("eval.val_ground_truth");
  o.val_synsets = config.get_string("eval.val_synsets");
  o.protocols = config.get_string_list("eval.protocols");
  o.out = config.get_string("eval.out");
  if (o.out.empty()) o.out = "runs/eval-imagenet";
  o.cache_dir = config.get_string("eval.cache_dir");
  o.resize = config.get_int("eval.resize");
  o.crop = config.get_int("eval.crop");
  o.channels = config.get_int("eval.channels");
  o.mean = three_floats(config, "eval.mean", false);
  o.std = three_floats(config, "eval.std", true);
  o.batch = config.get_int("eval.batch");
  o.threads = config.get_int("eval.threads");
  o.device = config.get_string("eval.device");
  const int64_t seed = config.get_int("eval.seed");

  if (o.data.empty()) throw UsageError("eval.data is required (an ImageNet-layout folder)");
  if (o.init == BackboneInit::kCheckpoint && o.checkpoint.empty()) {
    throw UsageError("eval.checkpoint is required with eval.init=checkpoint");
  }
  if (o.init == BackboneInit::kRandom && o.checkpoint.empty() && o.arch.empty()) {
    throw UsageError("eval.init=random needs eval.arch or an eval.checkpoint to take it from");
  }
  if (o.protocols.empty()) throw UsageError("eval.protocols must name at least one protocol");
  std::set<std::string> seen;
  for (const std::string& p : o.protocols) {
    if (p != "linear" && p != "knn" && p != "finetune") {
      throw UsageError("eval.protocols: unknown protocol '" + p + "' (linear | knn | finetune)");
    }
    if (!seen.insert(p).second) throw UsageError("eval.protocols lists '" + p + "' twice");
  }
  if (seen.count("finetune") && o.init == BackboneInit::kPixels) {
    throw UsageError("eval.protocols: finetune needs a network (eval.init=pixels has none)");
  }
  if (o.crop < 1) throw UsageError("eval.crop must be >= 1");
  if (o.resize < o.crop) {
    throw UsageError("eval.resize (" + std::to_string(o.resize) + ") must be >= eval.crop (" +
                     std::to_string(o.crop) + ")");
  }
  if (o.channels != 1 && o.channels != 3) throw UsageError("eval.channels must be 1 or 3");
  if (o.batch < 1) throw UsageError("eval.batch must be >= 1");
  if (o.threads < 1) throw UsageError("eval.threads must be >= 1");
  if (seed < 0) throw UsageError("eval.seed must be >= 0");
  o.seed = static_cast<uint64_t>(seed);

  o.linear.weight_decays = config.get_float_list("linear.weight_decays");
  o.linear.holdout_fraction = config.get_float("linear.holdout_fraction");
  o.linear.max_iterations = config.get_int("linear.max_iterations");
  o.linear.seed = o.seed;
  if (o.linear.weight_decays.empty()) {
    throw UsageError("linear.weight_decays must list at least one value");
  }
  for (double wd : o.linear.weight_decays) {
    if (!(wd >= 0) || !std::isfinite(wd)) {
      throw UsageError("linear.weight_decays must hold finite values >= 0");
    }
  }
  if (!(o.linear.holdout_fraction > 0 && o.linear.holdout_fraction < 1)) {
    throw UsageError("linear.holdout_fraction must be in (0, 1)");
  }
  if (o.linear.max_iterations < 1) throw UsageError("linear.max_iterations must be >= 1");

  o.knn.k = config.get_int("knn.k");
  o.knn.temperature = config.get_float("knn.temperature");
  if (o.knn.k < 1) throw UsageError("knn.k must be >= 1");
  if (!(o.knn.temperature > 0)) throw UsageError("knn.temperature must be > 0");

  o.finetune.epochs = config.get_int("finetune.epochs");
  o.finetune.batch = config.get_int("finetune.batch");
  o.finetune.lr = config.get_float("finetune.lr");
  o.finetune.momentum = config.get_float("finetune.momentum");
  o.finetune.weight_decay = config.get_float("finetune.weight_decay");
  o.finetune.min_scale = config.get_float("finetune.min_scale");
  o.finetune.hflip = config.get_float("finetune.hflip");
  o.finetune.seed = o.seed;
  if (o.finetune.epochs < 1) throw UsageError("finetune.epochs must be >= 1");
  if (o.finetune.batch < 1) throw UsageError("finetune.batch must be >= 1");
  if (!(o.finetune.lr > 0)) throw UsageError("finetune.lr must be > 0");
  if (!(o.finetune.momentum >= 0 && o.finetune.momentum < 1)) {
    throw UsageError("finetune.momentum must be in [0, 1)");
  }
  if (!(o.finetune.weight_decay >= 0)) throw UsageError("finetune.weight_decay must be >= 0");
  if (!(o.finetune.min_scale > 0 && o.finetune.min_scale <= 1)) {
    throw UsageError("finetune.min_scale must be in (0, 1]");
  }
  if (!(o.finetune.hflip >= 0 && o.finetune.hflip <= 1)) {
    throw UsageError("finetune.hflip must be in [0, 1]");
  }
  return o;
}

}  // namespace ptk::vision
