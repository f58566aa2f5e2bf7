// Small ImageNet-layout folders for the evaluation tests: per class a distinct colour and bar
// position over per-image noise, so a tiny network or even raw pixels separate the classes.
// JPEG files written with OpenCV; deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision::testing {

// Writes <root>/train/<wnid>/train_<i>.JPEG and <root>/val/<wnid>/val_<i>.JPEG for the wnids
// n0000000<c>, c < classes, each `size` x `size`. Returns the wnids.
std::vector<std::string> write_image_folder(const std::string& root, int classes,
                                            int train_per_class, int val_per_class, int size,
                                            uint32_t seed = 1);

}  // namespace ptk::vision::testing
