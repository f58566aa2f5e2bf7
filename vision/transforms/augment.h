// Image augmentation for ResNeXt-style training and evaluation, as torchvision defines it:
// RandomResizedCrop + horizontal flip (+ optional colour jitter) + normalisation for training,
// resize-shorter-side + centre crop + normalisation for evaluation. Output is a normalised float
// CHW buffer, so the library needs no LibTorch and a loader can write straight into its batch.
// All randomness comes from the caller's per-sample ptk::data::SampleRng, so a sample's
// augmentation is a pure function of (seed, epoch, index). The transforms are immutable
// configuration: one instance may be used by many threads at once. Resizing goes through
// cv::resize, which may use OpenCV's own worker threads; a loader that already decodes on many
// threads can call cv::setNumThreads(1) to avoid oversubscription.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/data/philox.h"
#include "vision/transforms/image.h"

namespace ptk::vision {

// A rectangle of pixels: columns [x, x + width), rows [y, y + height).
struct CropBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// Samples RandomResizedCrop's box for a `width` x `height` image exactly as torchvision does:
// up to 10 tries of area fraction ~ U(scale) and aspect ratio (w/h) log-uniform in `ratio`,
// rounded to whole pixels and placed uniformly; if none fits, the largest centred box whose
// ratio is clamped into `ratio`. The box always lies inside the image and is never empty.
CropBox sample_resized_crop(int width, int height, const std::array<double, 2>& scale,
                            const std::array<double, 2>& ratio, data::SampleRng& rng);

// `box` (in a `from_width` x `from_height` image) in the coordinates of the same picture stored
// at `to_width` x `to_height` (e.g. after DCT-scaled decoding), rounded to whole pixels. The
// result lies inside the target image and is at least 1 x 1.
CropBox scale_crop_box(const CropBox& box, int from_width, int from_height, int to_width,
                       int to_height);

// Resizes the `box` region of `image` to `width` x `height`. Bilinear (cv::INTER_LINEAR) when
// enlarging; area averaging (cv::INTER_AREA) when shrinking both sides, because plain bilinear
// sampling aliases on downscales while torchvision's (and PIL's) bilinear resize is antialiased,
// and area averaging is the closest cheap match.
Image resize_region(const Image& image, const CropBox& box, int width, int height);

// Per-channel (R, G, B) normalisation applied to pixel / 255. Defaults: ImageNet statistics.
struct Normalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

// Writes `image` as (pixel / 255 - mean) / std, channel-major (3 x H x W) into `out`, mirrored
// left-right when `flip` is set.
void write_normalized_chw(const Image& image, const Normalization& normalization, bool flip,
                          float* out);

// torchvision's ColorJitter without hue: each enabled factor is drawn from
// U[max(0, 1 - s), 1 + s] and the three operations are applied in a random order, on [0, 1]
// floats (torchvision's tensor path) with clamping after each. 0 disables an operation.
struct ColorJitter {
  float brightness = 0.0f;
  float contrast = 0.0f;
  float saturation = 0.0f;
  bool enabled() const { return brightness > 0 || contrast > 0 || saturation > 0; }
};

// Training transform. Per sample it draws, in this order: the crop box, the flip, then (only
// when jitter is enabled) the jitter order and factors. The crop box is chosen from the stored
// size (read from the JPEG header), so the JPEG can be decoded at the smallest DCT scale that
// still gives the crop at least `output_size` pixels per side, and only the crop's region of it
// (jpeg_region.h; the same pixels as a full decode).
struct TrainTransform {
  int output_size = 224;
  std::array<double, 2> scale{0.08, 1.0};
  std::array<double, 2> ratio{3.0 / 4.0, 4.0 / 3.0};
  double hflip = 0.5;  // probability of a left-right flip
  ColorJitter color_jitter;
  Normalization normalization;
  bool dct_scaling = true;  // false: always decode JPEGs at full resolution

  // Throws ptk::usage_error naming the bad field.
  void validate() const;
  size_t output_floats() const { return 3 * static_cast<size_t>(output_size) * output_size; }

  // Decodes the encoded image `data` and writes output_floats() floats (CHW) to `out`.
  // Throws ptk::Error naming `record_name` when the record is not a readable image.
  void apply(const uint8_t* data, size_t size, const std::string& record_name, data::SampleRng& rng,
             float* out) const;
  std::vector<float> operator()(const uint8_t* data, size_t size, const std::string& record_name,
                                data::SampleRng& rng) const;
  // The same on an already decoded image (no DCT scaling is possible).
  void apply(const Image& image, data::SampleRng& rng, float* out) const;

 private:
  void finish(const Image& image, const CropBox& box, data::SampleRng& rng, float* out) const;
};

// Evaluation transform: resize so the shorter side is `resize_size` (the longer side scaled
// proportionally and truncated, as torchvision's Resize(int)), then the centred
// `crop_size` x `crop_size` square (offsets rounded as torchvision's CenterCrop). Deterministic.
// A JPEG at least twice the resized size is decoded at a DCT scale that keeps it at least twice
// that size, so the final antialiased resize still decides the result.
struct EvalTransform {
  int resize_size = 256;
  int crop_size = 224;
  Normalization normalization;
  bool dct_scaling = true;

  void validate() const;
  size_t output_floats() const { return 3 * static_cast<size_t>(crop_size) * crop_size; }

  // The size an `width` x `height` image is resized to before cropping.
  std::array<int, 2> resized_size(int width, int height) const;

  void apply(const uint8_t* data, size_t size, const std::string& record_name, float* out) const;
  std::vector<float> operator()(const uint8_t* data, size_t size,
                                const std::string& record_name) const;
  void apply(const Image& image, float* out) const;
};

}  // namespace ptk::vision
