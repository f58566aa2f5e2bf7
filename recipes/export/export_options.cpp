#include "recipes/export/export_options.h"

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/config/option_table.h"

namespace ptk::recipes {

namespace {

using config::at_least;

constexpr EnumName<ExportFormat> kFormatNames[] = {{ExportFormat::kAuto, "auto"},
                                                   {ExportFormat::kTorchvision, "torchvision"},
                                                   {ExportFormat::kSafetensors, "safetensors"},
                                                   {ExportFormat::kHf, "hf"}};
constexpr EnumName<TextPooling> kPoolingNames[] = {{TextPooling::kMean, "mean"},
                                                   {TextPooling::kPooled, "pooled"}};

// The keys both verbs read.
config::OptionTable<ExportOptions> common_table() {
  using O = ExportOptions;
  config::OptionTable<O> t;
  t.add("export.checkpoint", &O::checkpoint,
        "run directory (its newest complete checkpoint) or a checkpoints/step_<N> directory "
        "(required)")
      .add("export.tokenizer", &O::tokenizer,
           "bert: tokenizer file (.model / vocab.txt) or folder; \"\" = the one the "
           "checkpoint's shard set (data.shards) lists")
      .add("export.allow_other_tokenizer", &O::allow_other_tokenizer,
           "bert: allow an export.tokenizer other than the one the run trained with (its "
           "content differs); without it that is an error naming both");
  return t;
}

config::OptionTable<ExportOptions> weights_table() {
  using O = ExportOptions;
  config::OptionTable<O> t = common_table();
  t.add("export.out", &O::out, "output folder (required)", config::non_empty("is required"))
      .add("export.format", &O::format,
           "torchvision (.pth state dict, wsl) | safetensors (same keys) | hf (BERT folder: "
           "config.json, model.safetensors, tokenizer) | auto (torchvision for wsl, hf for bert)",
           config::names(kFormatNames, "export format"))
      .add("export.head", &O::head,
           "wsl: keep the hashtag head fc.* (outputs = hashtag vocabulary size; load strict with "
           "num_classes=V); false drops it (torchvision then loads with strict=False or after "
           "model.fc = nn.Identity())")
      .add("export.reference_logits", &O::reference_logits,
           "also write reference_logits.safetensors: a fixed input and this toolkit's outputs "
           "on it, for parity checks in other frameworks");
  return t;
}

config::OptionTable<FeatureOptions> features_table() {
  using O = FeatureOptions;
  config::OptionTable<O> t;
  t.add("init.from", &O::init_from,
        "instead of export.checkpoint: a .pth / .pt / .safetensors state dict with "
        "torchvision's ResNet keys (export.arch names the preset) or an HF BERT folder "
        "(config.json, weights, tokenizer)")
      .add("export.arch", &O::arch,
           "ResNet preset of an init.from weights file: resnet18/34/50, resnext50_32x4d, "
           "resnext101_32x{4,8,16,32,48}d, ...")
      .add("features.input", &O::input,
           "wsl: folder of JPEG/PNG images (sorted, not recursive); bert: text file, one item a "
           "line (required)",
           config::non_empty("is required (image folder or text file)"))
      .add("features.batch", &O::batch, "items per forward pass", at_least(1))
      .add("features.threads", &O::threads, "image decode threads and LibTorch threads",
           at_least(1))
      .add("features.pooling", &O::pooling,
           "bert: mean (mean of the last hidden states over the line's tokens) | pooled "
           "(BERT's pooler output: tanh(dense(hidden state of [CLS])))",
           config::names(kPoolingNames, "pooling"))
      .add("features.max_length", &O::max_length,
           "bert: tokens per line with [CLS] and [SEP]; longer lines "
           "are cut",
           at_least(2))
      .add("features.image_size", &O::image_size,
           "wsl: centre-crop side; 0 = the checkpoint's data.image_size", at_least(0))
      .add("features.resize", &O::resize,
           "wsl: shorter side before the crop; 0 = image_size * 256 / 224", at_least(0));
  return t;
}

}  // namespace

config::Schema weights_schema() { return weights_table().schema(); }

config::Schema features_schema() {
  config::Schema s = common_table().schema();
  // export.out is read once (weights_table); for this verb it names a file.
  s.merge(config::OptionTable<ExportOptions>()
              .add("export.out", &ExportOptions::out,
                   "output HDF5 file: features float32 [n, d], ids (required)")
              .schema());
  s.merge(features_table().schema());
  return s;
}

config::Schema export_schema() {
  config::Schema s = weights_schema();
  s.merge(features_schema());
  return s;
}

ExportOptions export_options(const config::Config& config) {
  const bool weights_given = config.has("init.from") && !config.get_string("init.from").empty();
  const std::string& checkpoint = config.get_string("export.checkpoint");
  if (checkpoint.empty() && !weights_given) {
    throw usage_error("export.checkpoint is required (a run or step dir){}",
                      config.has("init.from") ? " unless init.from names weights" : "");
  }
  if (!checkpoint.empty() && weights_given) {
    throw usage_error("give export.checkpoint or init.from, not both");
  }
  return weights_table().read(config);
}

FeatureOptions feature_options(const config::Config& config) {
  return features_table().read(config);
}

}  // namespace ptk::recipes
