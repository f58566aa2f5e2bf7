#include "vision/transforms/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "common/base/error.h"
#include "vision/transforms/image_decoder.h"
#include "vision/transforms/jpeg_region.h"

namespace ptk::vision {
namespace {

// Python's round(): halves go to the even neighbour (std::nearbyint in the default rounding
// mode), which is what torchvision's box arithmetic uses.
int round_half_even(double value) { return static_cast<int>(std::nearbyint(value)); }

// out[c][y][x] = pixel(c) * gain[c] + bias[c] over the `box` region, mirrored when `flip`.
void write_chw(const Image& image, const CropBox& box, bool flip, const std::array<float, 3>& gain,
               const std::array<float, 3>& bias, float* out) {
  const size_t plane = static_cast<size_t>(box.width) * box.height;
  for (int y = 0; y < box.height; ++y) {
    const uint8_t* src = image.row(box.y + y) + static_cast<size_t>(box.x) * 3;
    float* r = out + static_cast<size_t>(y) * box.width;
    float* g = r + plane;
    float* b = g + plane;
    for (int x = 0; x < box.width; ++x) {
      const int sx = flip ? box.width - 1 - x : x;
      const uint8_t* p = src + static_cast<size_t>(sx) * 3;
      r[x] = p[0] * gain[0] + bias[0];
      g[x] = p[1] * gain[1] + bias[1];
      b[x] = p[2] * gain[2] + bias[2];
    }
  }
}

void normalize_gain_bias(const Normalization& n, std::array<float, 3>& gain,
                         std::array<float, 3>& bias) {
  for (int c = 0; c < 3; ++c) {
    gain[c] = 1.0f / (255.0f * n.std[c]);
    bias[c] = -n.mean[c] / n.std[c];
  }
}

float clamp01(float v) { return std::min(1.0f, std::max(0.0f, v)); }

// torchvision's rgb_to_grayscale weights.
float luma(float r, float g, float b) { return 0.2989f * r + 0.587f * g + 0.114f * b; }

// Colour jitter on a [0, 1] CHW buffer of `pixels` pixels per channel.
void jitter_chw(const ColorJitter& jitter, size_t pixels, data::SampleRng& rng, float* chw) {
  float* r = chw;
  float* g = chw + pixels;
  float* b = chw + 2 * pixels;
  // The order first, then the factors, as torchvision's ColorJitter draws them.
  std::array<int, 3> order{0, 1, 2};
  for (int i = 2; i > 0; --i) {
    std::swap(order[i], order[rng.uniform_int(static_cast<uint64_t>(i) + 1)]);
  }
  const std::array<float, 3> strength{jitter.brightness, jitter.contrast, jitter.saturation};
  std::array<float, 3> factor{1.0f, 1.0f, 1.0f};
  for (int op = 0; op < 3; ++op) {
    if (strength[op] > 0) {
      const double lo = std::max(0.0, 1.0 - strength[op]);
      const double hi = 1.0 + strength[op];
      factor[op] = static_cast<float>(lo + (hi - lo) * rng.uniform_double());
    }
  }
  for (int op : order) {
    if (strength[op] <= 0) continue;
    const float f = factor[op];
    if (op == 0) {  // brightness: blend with black
      for (size_t i = 0; i < 3 * pixels; ++i) chw[i] = clamp01(chw[i] * f);
    } else if (op == 1) {  // contrast: blend with the mean grey level of the whole image
      double sum = 0;
      for (size_t i = 0; i < pixels; ++i) sum += luma(r[i], g[i], b[i]);
      const float mean = static_cast<float>(sum / static_cast<double>(pixels));
      for (size_t i = 0; i < 3 * pixels; ++i) chw[i] = clamp01(f * chw[i] + (1 - f) * mean);
    } else {  // saturation: blend with the pixel's own grey level
      for (size_t i = 0; i < pixels; ++i) {
        const float grey = (1 - f) * luma(r[i], g[i], b[i]);
        r[i] = clamp01(f * r[i] + grey);
        g[i] = clamp01(f * g[i] + grey);
        b[i] = clamp01(f * b[i] + grey);
      }
    }
  }
}

// Eval's last steps: `image` (at any decode scale) resized to `width` x `height`, then the
// centred crop, offsets rounded as torchvision's CenterCrop.
void resize_and_center_crop(const Image& image, int width, int height, int crop_size,
                            const Normalization& normalization, float* out) {
  const Image resized =
      resize_region(image, CropBox{0, 0, image.width, image.height}, width, height);
  const CropBox crop{round_half_even((width - crop_size) / 2.0),
                     round_half_even((height - crop_size) / 2.0), crop_size, crop_size};
  std::array<float, 3> gain{};
  std::array<float, 3> bias{};
  normalize_gain_bias(normalization, gain, bias);
  write_chw(resized, crop, /*flip=*/false, gain, bias, out);
}

void validate_normalization(const Normalization& n, const std::string& owner) {
  for (int c = 0; c < 3; ++c) {
    if (!(n.std[c] > 0) || !std::isfinite(n.std[c]) || !std::isfinite(n.mean[c])) {
      throw usage_error("{}.normalization: std must be positive and mean finite (channel {})",
                        owner, c);
    }
  }
}

}  // namespace

CropBox sample_resized_crop(int width, int height, const std::array<double, 2>& scale,
                            const std::array<double, 2>& ratio, data::SampleRng& rng) {
  const double area = static_cast<double>(width) * height;
  const double log_ratio_lo = std::log(ratio[0]);
  const double log_ratio_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform_double());
    const double aspect =
        std::exp(log_ratio_lo + (log_ratio_hi - log_ratio_lo) * rng.uniform_double());
    const int w = round_half_even(std::sqrt(target_area * aspect));
    const int h = round_half_even(std::sqrt(target_area / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      CropBox box;
      box.width = w;
      box.height = h;
      box.y = static_cast<int>(rng.uniform_int(static_cast<uint64_t>(height - h) + 1));
      box.x = static_cast<int>(rng.uniform_int(static_cast<uint64_t>(width - w) + 1));
      return box;
    }
  }
  // No sampled box fitted (very elongated images): the centred box of clamped aspect ratio.
  const double in_ratio = static_cast<double>(width) / height;
  CropBox box{0, 0, width, height};
  if (in_ratio < ratio[0]) {
    box.height = std::clamp(round_half_even(width / ratio[0]), 1, height);
  } else if (in_ratio > ratio[1]) {
    box.width = std::clamp(round_half_even(height * ratio[1]), 1, width);
  }
  box.y = (height - box.height) / 2;
  box.x = (width - box.width) / 2;
  return box;
}

CropBox scale_crop_box(const CropBox& box, int from_width, int from_height, int to_width,
                       int to_height) {
  const double sx = static_cast<double>(to_width) / from_width;
  const double sy = static_cast<double>(to_height) / from_height;
  const int x0 = std::clamp(static_cast<int>(std::lround(box.x * sx)), 0, to_width - 1);
  const int y0 = std::clamp(static_cast<int>(std::lround(box.y * sy)), 0, to_height - 1);
  const int x1 =
      std::clamp(static_cast<int>(std::lround((box.x + box.width) * sx)), x0 + 1, to_width);
  const int y1 =
      std::clamp(static_cast<int>(std::lround((box.y + box.height) * sy)), y0 + 1, to_height);
  return CropBox{x0, y0, x1 - x0, y1 - y0};
}

Image resize_region(const Image& image, const CropBox& box, int width, int height) {
  if (box.x < 0 || box.y < 0 || box.width <= 0 || box.height <= 0 ||
      box.x + box.width > image.width || box.y + box.height > image.height || width <= 0 ||
      height <= 0) {
    throw error("resize_region: box {}x{}+{}+{} is not inside the {}x{} image", box.width,
                box.height, box.x, box.y, image.width, image.height);
  }
  // cv::Mat only views the pixels here; nothing writes through the const_cast.
  const cv::Mat source(image.height, image.width, CV_8UC3,
                       const_cast<uint8_t*>(image.pixels.data()));
  const cv::Mat region = source(cv::Rect(box.x, box.y, box.width, box.height));
  Image resized(width, height);
  cv::Mat target(height, width, CV_8UC3, resized.pixels.data());
  if (width == box.width && height == box.height) {
    region.copyTo(target);
  } else {
    const bool shrinking = width < box.width && height < box.height;
    cv::resize(region, target, target.size(), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  return resized;
}

void write_normalized_chw(const Image& image, const Normalization& normalization, bool flip,
                          float* out) {
  std::array<float, 3> gain{};
  std::array<float, 3> bias{};
  normalize_gain_bias(normalization, gain, bias);
  write_chw(image, CropBox{0, 0, image.width, image.height}, flip, gain, bias, out);
}

void TrainTransform::validate() const {
  if (output_size <= 0) throw usage_error("train transform: output_size must be positive");
  if (!(scale[0] > 0 && scale[0] <= scale[1])) {
    throw usage_error("train transform: scale must satisfy 0 < scale[0] <= scale[1]");
  }
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1] && std::isfinite(ratio[1]))) {
    throw usage_error("train transform: ratio must satisfy 0 < ratio[0] <= ratio[1]");
  }
  if (!(hflip >= 0 && hflip <= 1)) throw usage_error("train transform: hflip must be in [0, 1]");
  if (!(color_jitter.brightness >= 0 && color_jitter.contrast >= 0 &&
        color_jitter.saturation >= 0)) {
    throw usage_error("train transform: colour jitter strengths must be >= 0");
  }
  validate_normalization(normalization, "train transform");
}

void TrainTransform::apply(const uint8_t* data, size_t size, const std::string& record_name,
                           data::SampleRng& rng, float* out) const {
  validate();
  if (!dct_scaling || sniff_image_format(data, size) != ImageFormat::kJpeg) {
    apply(decode_image(data, size, record_name), rng, out);
    return;
  }
  const ImageInfo info = peek_image(data, size, record_name);
  const CropBox box = sample_resized_crop(info.width, info.height, scale, ratio, rng);
  // Smallest decode in which the crop still has output_size pixels per side.
  const auto needed = [&](int full, int crop) {
    return static_cast<int>((static_cast<int64_t>(output_size) * full + crop - 1) / crop);
  };
  const int min_width = needed(info.width, box.width);
  const int min_height = needed(info.height, box.height);
  // Only the crop's region is decoded (its pixels are those of a full decode, bit for bit).
  const int eighths = jpeg_scale_eighths(info.width, info.height, min_width, min_height);
  const int scaled_width = jpeg_scaled_size(info.width, eighths);
  const int scaled_height = jpeg_scaled_size(info.height, eighths);
  const CropBox scaled_box =
      scale_crop_box(box, info.width, info.height, scaled_width, scaled_height);
  if (auto region = decode_jpeg_region(data, size, record_name, eighths, scaled_box.x, scaled_box.y,
                                       scaled_box.width, scaled_box.height)) {
    finish(region->image,
           CropBox{region->box_x, region->box_y, scaled_box.width, scaled_box.height}, rng, out);
    return;
  }
  const Image image = decode_image(data, size, record_name, min_width, min_height);
  finish(image, scale_crop_box(box, info.width, info.height, image.width, image.height), rng, out);
}

std::vector<float> TrainTransform::operator()(const uint8_t* data, size_t size,
                                              const std::string& record_name,
                                              data::SampleRng& rng) const {
  std::vector<float> out(output_floats());
  apply(data, size, record_name, rng, out.data());
  return out;
}

void TrainTransform::apply(const Image& image, data::SampleRng& rng, float* out) const {
  validate();
  finish(image, sample_resized_crop(image.width, image.height, scale, ratio, rng), rng, out);
}

void TrainTransform::finish(const Image& image, const CropBox& box, data::SampleRng& rng,
                            float* out) const {
  const Image crop = resize_region(image, box, output_size, output_size);
  const bool flip = rng.bernoulli(hflip);  // drawn even at p = 0 or 1: the stream stays aligned
  const CropBox whole{0, 0, output_size, output_size};
  if (!color_jitter.enabled()) {
    write_normalized_chw(crop, normalization, flip, out);
    return;
  }
  const float inv255 = 1.0f / 255.0f;
  write_chw(crop, whole, flip, {inv255, inv255, inv255}, {0, 0, 0}, out);
  const size_t plane = static_cast<size_t>(output_size) * output_size;
  jitter_chw(color_jitter, plane, rng, out);
  for (int c = 0; c < 3; ++c) {
    const float mean = normalization.mean[c];
    const float inv_std = 1.0f / normalization.std[c];
    float* channel = out + c * plane;
    for (size_t i = 0; i < plane; ++i) channel[i] = (channel[i] - mean) * inv_std;
  }
}

void EvalTransform::validate() const {
  if (resize_size <= 0 || crop_size <= 0 || crop_size > resize_size) {
    throw usage_error("eval transform: need 0 < crop_size <= resize_size (got crop {}, resize {})",
                      crop_size, resize_size);
  }
  validate_normalization(normalization, "eval transform");
}

std::array<int, 2> EvalTransform::resized_size(int width, int height) const {
  const int64_t shorter = std::min(width, height);
  const int64_t longer = std::max(width, height);
  const int new_long = static_cast<int>(static_cast<double>(resize_size * longer) / shorter);
  if (width <= height) return {resize_size, new_long};
  return {new_long, resize_size};
}

void EvalTransform::apply(const uint8_t* data, size_t size, const std::string& record_name,
                          float* out) const {
  validate();
  if (!dct_scaling || sniff_image_format(data, size) != ImageFormat::kJpeg) {
    apply(decode_image(data, size, record_name), out);
    return;
  }
  const ImageInfo info = peek_image(data, size, record_name);
  const auto [width, height] = resized_size(info.width, info.height);
  const Image image = decode_image(data, size, record_name, 2 * width, 2 * height);
  resize_and_center_crop(image, width, height, crop_size, normalization, out);
}

std::vector<float> EvalTransform::operator()(const uint8_t* data, size_t size,
                                             const std::string& record_name) const {
  std::vector<float> out(output_floats());
  apply(data, size, record_name, out.data());
  return out;
}

void EvalTransform::apply(const Image& image, float* out) const {
  validate();
  if (image.empty()) throw error("eval transform: empty image");
  const auto [width, height] = resized_size(image.width, image.height);
  resize_and_center_crop(image, width, height, crop_size, normalization, out);
}

}  // namespace ptk::vision
