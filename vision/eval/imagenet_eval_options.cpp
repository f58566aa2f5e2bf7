#include "vision/eval/imagenet_eval_options.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/base/error.h"
#include "common/base/number_text.h"
#include "common/config/option_table.h"

namespace ptk::vision {

namespace {

// eval.mean / eval.std: three finite values (positive ones for std), stored as a float list.
// A float default shows as the decimal it was written as (0.485, not 0.48500001430511475).
config::Codec<std::array<float, 3>, std::vector<double>> three_floats(bool positive) {
  return {[](const std::array<float, 3>& values) {
            std::vector<double> shown;
            for (float value : values) shown.push_back(std::stod(format_double(value)));
            return shown;
          },
          [positive](const std::string& key, const std::vector<double>& values) {
            if (values.size() != 3) {
              throw usage_error("{} must list 3 values (R, G, B), got {}", key, values.size());
            }
            std::array<float, 3> out{};
            for (size_t i = 0; i < 3; ++i) {
              if (!std::isfinite(values[i]) || (positive && values[i] <= 0)) {
                throw usage_error("{} must hold finite{} values", key, positive ? " positive" : "");
              }
              out[i] = static_cast<float>(values[i]);
            }
            return out;
          }};
}

// Each protocol once, and only known ones.
void check_protocols(const std::string& key, const std::vector<std::string>& protocols) {
  std::set<std::string> seen;
  for (const std::string& p : protocols) {
    if (p != "linear" && p != "knn" && p != "finetune") {
      throw usage_error("{}: unknown protocol '{}' (linear | knn | finetune)", key, p);
    }
    if (!seen.insert(p).second) throw usage_error("{} lists '{}' twice", key, p);
  }
}

// The eval.* keys and init.from, which is another name for eval.checkpoint.
struct ImageNetEvalSection : ImageNetEvalOptions {
  std::string init_from;
};

void add_protocol_keys(config::OptionTable<ImageNetEvalSection>& t);

// eval.*: the backbone, the data, the transform and the run.
config::OptionTable<ImageNetEvalSection> imagenet_eval_table() {
  using config::at_least;
  using S = ImageNetEvalSection;
  config::OptionTable<S> t;
  t.add("eval.checkpoint", &S::checkpoint,
        "backbone weights: a run directory (its newest checkpoint), a checkpoint directory, or a "
        ".pt / .safetensors state dict (then eval.arch is required)")
      .add("eval.arch", &S::arch,
           "architecture preset; empty = model.arch of the checkpoint's config")
      .add("eval.init", &S::init,
           "checkpoint (the weights) | random (same arch, fresh init: the baseline) | pixels "
           "(identity backbone: normalised pixels are the features)",
           config::parsed(parse_backbone_init, to_string))
      .add("eval.data", &S::data,
           "ImageNet-layout root: train/<wnid>/*, val/<wnid>/* (or a flat val/)",
           config::non_empty("is required (an ImageNet-layout folder)"))
      .add("eval.val_ground_truth", &S::val_ground_truth,
           "devkit form: file with one 1-based class number per val image (sorted file names)")
      .add("eval.val_synsets", &S::val_synsets,
           "devkit form: the wnid of each class number, one per line")
      .add("eval.protocols", &S::protocols,
           "any of linear (probe on frozen, cached features), knn, finetune",
           config::non_empty("must name at least one protocol"), check_protocols)
      .add("eval.out", &S::out,
           "output directory: results.json, results.md; \"\" = runs/eval-<verb>")
      .add("init.from", &S::init_from,
           "instead of eval.checkpoint: a .pth / .pt / .safetensors state dict (torchvision keys; "
           "eval.arch names the architecture)")
      .add("eval.cache_dir", &S::cache_dir,
           "feature cache (HDF5, keyed by weights + transform + data); empty = <eval.out>/"
           "feature_cache")
      .add("eval.resize", &S::resize,
           "shorter side before the centre crop (= eval.crop: no resize)")
      .add("eval.crop", &S::crop, "centre crop side in pixels (also the fine-tuning crop)",
           at_least(1))
      .add("eval.channels", &S::channels, "3 = RGB; 1 = the mean of R, G, B (greyscale data sets)",
           config::satisfies([](int64_t c) { return c == 1 || c == 3; }, "must be 1 or 3"))
      .add("eval.mean", &S::mean, "per-channel mean of pixel/255 (ImageNet)", three_floats(false))
      .add("eval.std", &S::std, "per-channel std of pixel/255 (ImageNet)", three_floats(true))
      .add("eval.batch", &S::batch, "images per forward pass", at_least(1))
      .add("eval.threads", &S::threads, "image decode threads and LibTorch intra-op threads",
           at_least(1))
      .add("eval.device", &S::device, "cpu | cuda | cuda:N")
      .add("eval.seed", &S::seed, "random init, held-out split and fine-tuning order");
  add_protocol_keys(t);
  return t;
}

// linear.*, knn.*, finetune.*: the protocols' own keys.
void add_protocol_keys(config::OptionTable<ImageNetEvalSection>& t) {
  using config::above;
  using config::at_least;
  using config::in_range;
  using config::nested;
  using S = ImageNetEvalSection;
  using F = FineTuneOptions;
  t.add("linear.weight_decays", nested(&S::linear, &LinearProbeOptions::weight_decays),
        "L2 penalties swept on a held-out split of train; the best is refitted on all train",
        config::non_empty("must list at least one value"),
        config::satisfies(
            [](const std::vector<double>& decays) {
              for (double wd : decays) {
                if (!(wd >= 0) || !std::isfinite(wd)) return false;
              }
              return true;
            },
            "must hold finite values >= 0"))
      .add("linear.holdout_fraction", nested(&S::linear, &LinearProbeOptions::holdout_fraction),
           "share of train held out for the sweep", in_range(0.0, 1.0, "()"))
      .add("linear.max_iterations", nested(&S::linear, &LinearProbeOptions::max_iterations),
           "L-BFGS iterations per fit", at_least(1))
      .add("knn.k", nested(&S::knn, &KnnOptions::k),
           "neighbours (cosine similarity of L2-normalised features)", at_least(1))
      .add("knn.temperature", nested(&S::knn, &KnnOptions::temperature),
           "neighbour votes weigh exp(similarity / T)", above(0))
      .add("finetune.epochs", nested(&S::finetune, &F::epochs),
           "epochs over train of the whole backbone + a new head", at_least(1))
      .add("finetune.batch", nested(&S::finetune, &F::batch), "images per SGD step", at_least(1))
      .add("finetune.lr", nested(&S::finetune, &F::lr), "peak learning rate (cosine decay to 0)",
           above(0))
      .add("finetune.momentum", nested(&S::finetune, &F::momentum), "SGD momentum",
           in_range(0.0, 1.0, "[)"))
      .add("finetune.weight_decay", nested(&S::finetune, &F::weight_decay), "SGD weight decay",
           at_least(0))
      .add("finetune.min_scale", nested(&S::finetune, &F::min_scale),
           "smallest crop area fraction of RandomResizedCrop", in_range(0.0, 1.0, "(]"))
      .add("finetune.hflip", nested(&S::finetune, &F::hflip), "probability of a left-right flip",
           in_range(0.0, 1.0));
}

}  // namespace

BackboneInit parse_backbone_init(const std::string& name) {
  if (name == "checkpoint") return BackboneInit::kCheckpoint;
  if (name == "random") return BackboneInit::kRandom;
  if (name == "pixels") return BackboneInit::kPixels;
  throw usage_error("eval.init must be checkpoint | random | pixels, got '{}'", name);
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

config::Schema imagenet_eval_schema() { return imagenet_eval_table().schema(); }

ImageNetEvalOptions imagenet_eval_options(const config::Config& config) {
  const ImageNetEvalSection section = imagenet_eval_table().read(config);
  ImageNetEvalOptions o = section;
  if (!section.init_from.empty()) {
    if (!o.checkpoint.empty()) throw usage_error("give eval.checkpoint or init.from, not both");
    o.checkpoint = section.init_from;
  }
  if (o.out.empty()) o.out = "runs/eval-imagenet";
  if (o.init == BackboneInit::kCheckpoint && o.checkpoint.empty()) {
    throw usage_error("eval.checkpoint is required with eval.init=checkpoint");
  }
  if (o.init == BackboneInit::kRandom && o.checkpoint.empty() && o.arch.empty()) {
    throw usage_error("eval.init=random needs eval.arch or an eval.checkpoint to take it from");
  }
  const bool finetune =
      std::find(o.protocols.begin(), o.protocols.end(), "finetune") != o.protocols.end();
  if (finetune && o.init == BackboneInit::kPixels) {
    throw usage_error("eval.protocols: finetune needs a network (eval.init=pixels has none)");
  }
  if (o.resize < o.crop) {
    throw usage_error("eval.resize ({}) must be >= eval.crop ({})", o.resize, o.crop);
  }
  o.linear.seed = o.seed;
  o.finetune.seed = o.seed;
  return o;
}

}  // namespace ptk::vision
