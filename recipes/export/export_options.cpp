#include "recipes/export/export_options.h"

#include "common/base/error.h"

namespace ptk::recipes {

namespace {

config::Schema common_schema() {
  config::Schema s;
  s.add("export.checkpoint", "",
        "run directory (its newest complete checkpoint) or a checkpoints/step_<N> directory "
        "(required)")
      .add("export.tokenizer", "",
           "bert: tokenizer file (.model / vocab.txt) or folder; \"\" = the one the "
           "checkpoint's shard set (data.shards) lists")
      .add("export.allow_other_tokenizer", config::Value(false),
           "bert: allow an export.tokenizer other than the one the run trained with (its "
           "content differs); without it that is an error naming both");
  return s;
}

}  // namespace

config::Schema weights_schema() {
  config::Schema s = common_schema();
  s.add("export.out", "", "output folder (required)")
      .add("export.format", "auto",
           "torchvision (.pth state dict, wsl) | safetensors (same keys) | hf (BERT folder: "
           "config.json, model.safetensors, tokenizer) | auto (torchvision for wsl, hf for bert)")
      .add("export.head", config::Value(true),
           "wsl: keep the hashtag head fc.* (outputs = hashtag vocabulary size; load strict with "
           "num_classes=V); false drops it (torchvision then loads with strict=False or after "
           "model.fc = nn.Identity())")
      .add("export.reference_logits", config::Value(false),
           "also write reference_logits.safetensors: a fixed input and this toolkit's outputs "
           "on it, for parity checks in other frameworks");
  return s;
}

config::Schema features_schema() {
  config::Schema s = common_schema();
  s.add("export.out", "", "output HDF5 file: features float32 [n, d], ids (required)")
      .add("init.from", "",
           "instead of export.checkpoint: a .pth / .pt / .safetensors state dict with "
           "torchvision's ResNet keys (export.arch names the preset) or an HF BERT folder "
           "(config.json, weights, tokenizer)")
      .add("export.arch", "",
           "ResNet preset of an init.from weights file: resnet18/34/50, resnext50_32x4d, "
           "resnext101_32x{4,8,16,32,48}d, ...")
      .add("features.input", "",
           "wsl: folder of JPEG/PNG images (sorted, not recursive); bert: text file, one item a "
           "line (required)")
      .add("features.batch", 32, "items per forward pass")
      .add("features.threads", 4, "image decode threads and LibTorch threads")
      .add("features.pooling", "mean",
           "bert: mean (mean of the last hidden states over the line's tokens) | pooled "
           "(BERT's pooler output: tanh(dense(hidden state of [CLS])))")
      .add("features.max_length", 128,
           "bert: tokens per line with [CLS] and [SEP]; longer lines "
           "are cut")
      .add("features.image_size", 0, "wsl: centre-crop side; 0 = the checkpoint's data.image_size")
      .add("features.resize", 0, "wsl: shorter side before the crop; 0 = image_size * 256 / 224");
  return s;
}

config::Schema export_schema() {
  config::Schema s = weights_schema();
  s.merge(features_schema());
  return s;
}

ExportOptions export_options(const config::Config& config) {
  ExportOptions o;
  o.checkpoint = config.get_string("export.checkpoint");
  o.out = config.get_string("export.out");
  const bool weights_given = config.has("init.from") && !config.get_string("init.from").empty();
  if (o.checkpoint.empty() && !weights_given) {
    throw UsageError(std::string("export.checkpoint is required (a run or step dir)") +
                     (config.has("init.from") ? " unless init.from names weights" : ""));
  }
  if (!o.checkpoint.empty() && weights_given) {
    throw UsageError("give export.checkpoint or init.from, not both");
  }
  if (o.out.empty()) throw UsageError("export.out is required");
  o.tokenizer = config.get_string("export.tokenizer");
  if (config.has("export.allow_other_tokenizer")) {
    o.allow_other_tokenizer = config.get_bool("export.allow_other_tokenizer");
  }
  if (config.has("export.format")) {
    const std::string& format = config.get_string("export.format");
    if (format == "auto") {
      o.format = ExportFormat::kAuto;
    } else if (format == "torchvision") {
      o.format = ExportFormat::kTorchvision;
    } else if (format == "safetensors") {
      o.format = ExportFormat::kSafetensors;
    } else if (format == "hf") {
      o.format = ExportFormat::kHf;
    } else {
      throw UsageError("export.format: '" + format +
                       "' is not one of torchvision, safetensors, hf, auto");
    }
  }
  if (config.has("export.head")) o.head = config.get_bool("export.head");
  if (config.has("export.reference_logits")) {
    o.reference_logits = config.get_bool("export.reference_logits");
  }
  return o;
}

FeatureOptions feature_options(const config::Config& config) {
  FeatureOptions o;
  o.init_from = config.get_string("init.from");
  o.arch = config.get_string("export.arch");
  o.input = config.get_string("features.input");
  if (o.input.empty()) throw UsageError("features.input is required (image folder or text file)");
  auto positive = [&](const char* key, int64_t min) {
    const int64_t value = config.get_int(key);
    if (value < min) {
      throw UsageError(std::string(key) + ": " + std::to_string(value) + " is below " +
                       std::to_string(min));
    }
    return value;
  };
  o.batch = positive("features.batch", 1);
  o.threads = positive("features.threads", 1);
  o.max_length = positive("features.max_length", 2);
  o.image_size = positive("features.image_size", 0);
  o.resize = positive("features.resize", 0);
  const std::string& pooling = config.get_string("features.pooling");
  if (pooling == "mean") {
    o.pooling = TextPooling::kMean;
  } else if (pooling == "pooled") {
    o.pooling = TextPooling::kPooled;
  } else {
    throw UsageError("features.pooling: '" + pooling + "' is not one of mean, pooled");
  }
  return o;
}

}  // namespace ptk::recipes
