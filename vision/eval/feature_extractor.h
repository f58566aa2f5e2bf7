// Runs a network over a list of image files in batches: the files are read and decoded by the
// evaluation transform on `threads` threads while the previous batch goes through the network,
// so decode and forward overlap. Output rows follow the input order exactly, whatever the thread
// count. An unreadable or undecodable file is a ptk::Error naming it.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vision/datasets/imagenet_folder.h"
#include "vision/transforms/augment.h"

namespace ptk::vision {

struct ImageBatchOptions {
  EvalTransform transform;
  int64_t channels = 3;  // 1: the mean of the transform's R, G, B planes
  int64_t batch = 256;
  int threads = 4;
  c10::Device device = c10::Device(c10::kCPU);
  std::string label;  // names the pass in progress lines ("" = silent)
};

// Decodes images [N, channels, crop, crop] batch by batch, applies `forward` on `device`, and
// returns the outputs concatenated along dim 0 as float on the CPU.
at::Tensor map_images(const std::vector<LabeledImage>& images, const ImageBatchOptions& options,
                      const std::function<at::Tensor(const at::Tensor&)>& forward);

// The labels of `images` as an int64 tensor [N].
at::Tensor image_labels(const std::vector<LabeledImage>& images);

// Reads a whole file; ptk::Error naming it when it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace ptk::vision
