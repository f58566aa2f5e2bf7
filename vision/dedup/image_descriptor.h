// A small fixed descriptor of a picture for finding near-duplicates without a network: the
// low-frequency 2-D DCT (16x16 of 32x32 frequencies) of a 32x32 greyscale thumbnail: the idea of
// the DCT perceptual hash, kept as real numbers so that similar pictures are near in cosine
// similarity. Sixteen frequencies a side rather than pHash's eight: copies score the same
// (>= 0.997 after JPEG quality 30, 0.5x-2x resizes, contrast, greyscale), while pictures that
// are only alike in their coarse layout, such as Fashion-MNIST's centred products, move apart.
//
// Invariant to what copies of a picture usually go through: JPEG re-encoding (the low
// frequencies survive), resizing (the thumbnail), brightness (the DC term is left out),
// contrast (the vector is L2-normalised) and colour to greyscale. A left-right flip changes the
// sign of the coefficients of odd horizontal frequency, so flipped_descriptor gives the
// descriptor of the mirror image without decoding it again. Crops move every coefficient and
// are caught only when small. Torch-free.
#pragma once

#include <vector>

#include "vision/transforms/image.h"

namespace ptk::vision {

// 16x16 DCT coefficients less the DC term.
inline constexpr int kImageDescriptorSize = 255;

// The L2-normalised descriptor of `image` (RGB). A featureless picture (flat, or a plain
// gradient such as a patch of sky, with more than 95% of its variation in the coarsest
// frequencies) gets all zeros, which are similar to nothing: neither it nor its copies are
// matched, since its copies cannot be told from other plain pictures.
std::vector<float> image_descriptor(const Image& image);

// The descriptor of the left-right mirror of the picture `descriptor` was made from.
std::vector<float> flipped_descriptor(const std::vector<float>& descriptor);

}  // namespace ptk::vision
