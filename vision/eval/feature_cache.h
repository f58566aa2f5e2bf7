// Frozen features saved once per (weights, transform, data) so a second evaluation of the same
// backbone skips the network: one HDF5 file per split, `features` float32 [N, D] and `labels`
// int32 [N] (readable with h5py), attribute `key` holding the full description the features
// depend on. The file name carries a hash of that description; a file is only used when its
// stored key equals the expected one. Written to a temporary and renamed, so a crash never
// leaves a half-written cache that looks whole. Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vision/datasets/imagenet_folder.h"

namespace ptk::vision {

struct CachedFeatures {
  int64_t rows = 0;
  int64_t dim = 0;
  std::vector<float> values;    // rows x dim, row-major
  std::vector<int32_t> labels;  // rows
};

// Describes the images a split's features depend on: paths relative to `root`, sizes,
// modification times and labels, hashed (xxh64) with the count. ptk::Error naming a file that
// cannot be examined.
std::string describe_images(const std::string& root, const std::vector<LabeledImage>& images);

// <dir>/<split>-<16 hex digits of xxh64(key)>.h5
std::string feature_cache_path(const std::string& dir, const std::string& split,
                               const std::string& key);

// The cached features at `path` when the file exists, is readable and was written for `key`;
// nullopt otherwise (a damaged or foreign file is ignored, with a warning, and later replaced).
std::optional<CachedFeatures> read_feature_cache(const std::string& path, const std::string& key);

// Writes the features for `key` atomically (temporary + rename); creates the directory.
// ptk::Error naming the path on failure.
void write_feature_cache(const std::string& path, const std::string& key,
                         const CachedFeatures& features);
// The same from caller-owned arrays (rows x dim floats, rows labels), so ImageNet-sized feature
// matrices are written without a second copy in memory.
void write_feature_cache(const std::string& path, const std::string& key, int64_t rows, int64_t dim,
                         const float* values, const int32_t* labels);

}  // namespace ptk::vision
