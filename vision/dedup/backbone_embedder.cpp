#include "vision/dedup/backbone_embedder.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "vision/eval/backbone.h"
#include "vision/models/resnet.h"
#include "vision/transforms/augment.h"

namespace ptk::vision {
namespace {

class BackboneEmbedder : public ImageEmbedder {
 public:
  explicit BackboneEmbedder(const ImageNetEvalOptions& options)
      : options_(options),
        backbone_(load_backbone(options, "dedup")),
        device_(backbone_device("dedup.device", options.device)) {
    backbone_.model->to(device_);
    transform_.resize_size = static_cast<int>(options.resize);
    transform_.crop_size = static_cast<int>(options.crop);
    transform_.normalization.mean = options.mean;
    transform_.normalization.std = options.std;
    transform_.validate();
  }

  int dim() const override { return static_cast<int>(backbone_.model->feature_dim()); }

  std::string description() const override {
    return fmt::format("backbone ({}; {} px centre crop of the shorter side resized to {})",
                       backbone_.identity, options_.crop, options_.resize);
  }

  Embeddings embed(const std::vector<EncodedImage>& images, bool with_mirror) const override {
    Embeddings out;
    const auto width = static_cast<size_t>(dim());
    out.rows.assign(images.size() * width, 0.0f);
    if (with_mirror) out.mirrored.assign(images.size() * width, 0.0f);
    out.errors.resize(images.size());
    const auto batch = static_cast<size_t>(options_.batch);
    for (size_t begin = 0; begin < images.size(); begin += batch) {
      embed_batch(images, begin, std::min(images.size(), begin + batch), with_mirror, out);
    }
    return out;
  }

 private:
  // Images [begin, end) decoded into [n, 3, crop, crop]; an undecodable one records its error.
  at::Tensor decode(const std::vector<EncodedImage>& images, size_t begin, size_t end,
                    std::vector<std::string>& errors) const {
    const auto n = static_cast<int64_t>(end - begin);
    at::Tensor pixels = at::zeros({n, 3, options_.crop, options_.crop}, at::kFloat);
    float* data = pixels.data_ptr<float>();
    const size_t floats = transform_.output_floats();
    parallel_for(n, static_cast<int>(options_.threads), [&](int64_t j) {
      const EncodedImage& image = images[begin + static_cast<size_t>(j)];
      try {
        transform_.apply(image.data, image.size, image.name,
                         data + static_cast<size_t>(j) * floats);
      } catch (const Error& e) {
        errors[begin + static_cast<size_t>(j)] = e.what();
      }
    });
    return options_.channels == 1 ? pixels.mean(1, /*keepdim=*/true) : pixels;
  }

  // L2-normalised features of `pixels`, on the CPU.
  at::Tensor features(const at::Tensor& pixels) const {
    const at::Tensor f = backbone_.features(pixels.to(device_)).to(at::kCPU, at::kFloat);
    return (f / f.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12)).contiguous();
  }

  void embed_batch(const std::vector<EncodedImage>& images, size_t begin, size_t end,
                   bool with_mirror, Embeddings& out) const {
    const at::Tensor pixels = decode(images, begin, end, out.errors);
    const auto width = static_cast<size_t>(dim());
    auto store = [&](const at::Tensor& rows, std::vector<float>& to) {
      const float* from = rows.data_ptr<float>();
      for (size_t i = begin; i < end; ++i) {
        if (!out.errors[i].empty()) continue;  // its row stays zero: similar to nothing
        std::copy(from + (i - begin) * width, from + (i - begin + 1) * width,
                  to.begin() + static_cast<std::ptrdiff_t>(i * width));
      }
    };
    store(features(pixels), out.rows);
    if (with_mirror) store(features(at::flip(pixels, {3})), out.mirrored);
  }

  ImageNetEvalOptions options_;
  Backbone backbone_;
  c10::Device device_;
  EvalTransform transform_;
};

}  // namespace

std::unique_ptr<ImageEmbedder> make_backbone_embedder(const ImageNetEvalOptions& options) {
  if (options.init == BackboneInit::kPixels) {
    throw usage_error("dedup.init=pixels is not an embedding for dedup: use checkpoint or random");
  }
  if (options.init == BackboneInit::kCheckpoint && options.checkpoint.empty()) {
    throw usage_error(
        "dedup.embedding=backbone needs dedup.checkpoint (pretrained weights) or "
        "dedup.init=random");
  }
  at::set_num_threads(static_cast<int>(options.threads));
  return std::make_unique<BackboneEmbedder>(options);
}

}  // namespace ptk::vision
