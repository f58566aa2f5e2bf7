#include "recipes/export/feature_export.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/base/blas_threads.h"
#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/io/atomic_file.h"
#include "common/train/checkpoint.h"
#include "recipes/export/checkpoint_models.h"
#include "recipes/export/feature_file.h"
#include "text/models/bert_heads.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer_process.h"
#include "vision/models/resnet.h"
#include "vision/transforms/augment.h"

namespace ptk::recipes {

namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

void append(FeatureFileWriter& writer, const at::Tensor& rows) {
  const at::Tensor host = rows.to(at::kFloat).contiguous();
  writer.append(host.data_ptr<float>(), host.size(0));
}

// "at step N" of a checkpoint, "from PATH" for init.from.
std::string weights_origin(const ExportSource& source) {
  return source.weights_path.empty() ? fmt::format("at step {}", source.step)
                                     : "from " + source.weights_path;
}

std::string image_features(const ExportOptions& options, const FeatureOptions& features,
                           const ExportSource& source) {
  if (!fs::is_directory(features.input)) {
    throw usage_error(
        "features.input: '{}' is not a folder (a wsl checkpoint embeds the images of a folder)",
        features.input);
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(features.input)) {
    if (entry.is_regular_file() && is_image_name(entry.path())) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty())
    throw usage_error("features.input: no .jpg/.jpeg/.png files in {}", features.input);

  const auto model = load_resnet(source, source_weights(source));
  vision::EvalTransform transform;
  transform.crop_size =
      static_cast<int>(features.image_size > 0 ? features.image_size : source.image_size);
  const int64_t resize = features.resize > 0 ? features.resize : source.eval_resize;
  transform.resize_size = static_cast<int>(resize > 0 ? resize : transform.crop_size * 256 / 224);
  transform.validate();

  FeatureFileWriter writer(options.out, model->feature_dim());
  const size_t floats = transform.output_floats();
  const int64_t side = transform.crop_size;
  for (size_t begin = 0; begin < names.size(); begin += features.batch) {
    const size_t count = std::min<size_t>(features.batch, names.size() - begin);
    at::Tensor images = at::empty({static_cast<int64_t>(count), 3, side, side}, at::kFloat);
    float* out = images.data_ptr<float>();
    parallel_for(static_cast<int64_t>(count), static_cast<int>(features.threads), [&](int64_t i) {
      const std::string& name = names[begin + i];
      const std::string bytes = io::read_file((fs::path(features.input) / name).string());
      transform.apply(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                      features.input + "/" + name, out + i * floats);
    });
    at::NoGradGuard no_grad;
    append(writer, model->features(images));
  }
  writer.finish(names);
  std::ostringstream summary;
  summary << "ptk-export features: " << names.size() << " images of " << features.input << " ("
          << transform.resize_size << " px shorter side, " << side << " px centre crop) through "
          << source.arch << " " << weights_origin(source) << " -> " << options.out << ": features ["
          << names.size() << ", " << model->feature_dim() << "] (pooled, before the head), ids "
          << "(file names)";
  return summary.str();
}

std::string text_features(const ExportOptions& options, const FeatureOptions& features,
                          const ExportSource& source) {
  if (!fs::is_regular_file(features.input)) {
    throw usage_error(
        "features.input: '{}' is not a file (a bert checkpoint embeds the lines of a text file)",
        features.input);
  }
  // ptk-tokenize encodes the lines (the process split: text/tokenizers/tokenizer_process.h).
  const text::PretrainingVocab vocab = export_vocab(source, options.allow_other_tokenizer);
  text::TokenizerProcess tokenizer(text::require_tokenizer(source.bert, source.checkpoint_dir));
  const text::EncodedLines encoded = tokenizer.encode_file(features.input);
  if (encoded.ids.empty()) throw usage_error("features.input: '{}' is empty", features.input);
  const auto model = load_bert(source, source_weights(source), &vocab);
  const int64_t max_length = std::min(features.max_length, model->config().max_position_embeddings);
  const text::SpecialIds& special = vocab.specials;

  FeatureFileWriter writer(options.out, model->config().hidden_size);
  std::vector<int64_t> line_numbers;
  std::vector<std::vector<int32_t>> batch;
  const int64_t replaced = encoded.replaced;
  int64_t cut = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    const int64_t n = static_cast<int64_t>(batch.size());
    int64_t length = 0;
    for (const auto& ids : batch) length = std::max<int64_t>(length, ids.size());
    at::Tensor input_ids = at::full({n, length}, special.pad, at::kLong);
    at::Tensor mask = at::zeros({n, length}, at::kLong);
    int64_t* id_data = input_ids.data_ptr<int64_t>();
    int64_t* mask_data = mask.data_ptr<int64_t>();
    for (int64_t b = 0; b < n; ++b) {
      for (size_t t = 0; t < batch[b].size(); ++t) {
        id_data[b * length + t] = batch[b][t];
        mask_data[b * length + t] = 1;
      }
    }
    at::NoGradGuard no_grad;
    const text::BertModelOutput output = model->bert()->forward(input_ids, {}, mask);
    if (features.pooling == TextPooling::kPooled) {
      append(writer, output.pooled_output);
    } else {
      const at::Tensor weights = mask.unsqueeze(-1).to(output.sequence_output.scalar_type());
      append(writer, (output.sequence_output * weights).sum(1) / weights.sum(1));
    }
    batch.clear();
  };
  for (size_t row = 0; row < encoded.ids.size(); ++row) {
    std::vector<int32_t> ids = encoded.ids[row];
    if (static_cast<int64_t>(ids.size()) > max_length - 2) {
      ids.resize(max_length - 2);
      ++cut;
    }
    ids.insert(ids.begin(), special.cls);
    ids.push_back(special.sep);
    batch.push_back(std::move(ids));
    line_numbers.push_back(static_cast<int64_t>(row) + 1);
    if (static_cast<int64_t>(batch.size()) == features.batch) flush();
  }
  flush();
  writer.finish(line_numbers);
  std::ostringstream summary;
  summary << "ptk-export features: " << line_numbers.size() << " lines of " << features.input
          << " (" << cut << " cut to " << max_length << " tokens, " << replaced
          << " invalid UTF-8 sequences replaced) through BERT " << weights_origin(source) << " -> "
          << options.out << ": features [" << line_numbers.size() << ", "
          << model->config().hidden_size << "] ("
          << (features.pooling == TextPooling::kPooled ? "pooler output"
                                                       : "mean of the last hidden states")
          << "), ids (1-based line numbers)";
  return summary.str();
}

}  // namespace

std::string run_feature_export(const ExportOptions& options, const FeatureOptions& features) {
  const ExportSource source =
      features.init_from.empty()
          ? open_export_source(options.checkpoint, options.tokenizer)
          : open_weights_source(features.init_from, features.arch, options.tokenizer);
  at::set_num_threads(static_cast<int>(features.threads));
  set_blas_threads(static_cast<int>(features.threads));
  const fs::path parent = fs::path(options.out).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    fs::create_directories(parent, error);
  }
  try {
    return source.kind == config::RecipeKind::kWsl ? image_features(options, features, source)
                                                   : text_features(options, features, source);
  } catch (const c10::Error& e) {
    throw error("{}: {}", source.checkpoint_dir, e.what_without_backtrace());
  }
}

}  // namespace ptk::recipes
