#include "vision/dedup/thumbnail_embedder.h"

#include <algorithm>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "vision/dedup/image_descriptor.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

// A thumbnail needs no more than this: JPEGs are decoded at the smallest DCT scale that keeps
// both sides at least this long.
constexpr int kDecodeSide = 64;

}  // namespace

int ThumbnailEmbedder::dim() const { return kImageDescriptorSize; }

std::string ThumbnailEmbedder::description() const {
  return "thumbnail (16x16 DCT of a 32x32 greyscale thumbnail)";
}

Embeddings ThumbnailEmbedder::embed(const std::vector<EncodedImage>& images,
                                    bool with_mirror) const {
  const size_t dim = kImageDescriptorSize;
  Embeddings out;
  out.rows.assign(images.size() * dim, 0.0f);
  if (with_mirror) out.mirrored.assign(images.size() * dim, 0.0f);
  out.errors.resize(images.size());
  parallel_for(static_cast<int64_t>(images.size()), threads_, [&](int64_t i) {
    const auto slot = static_cast<size_t>(i);
    const EncodedImage& image = images[slot];
    try {
      const std::vector<float> row = image_descriptor(
          decode_image(image.data, image.size, image.name, kDecodeSide, kDecodeSide));
      std::copy(row.begin(), row.end(), out.rows.begin() + slot * dim);
      if (with_mirror) {
        const std::vector<float> mirror = flipped_descriptor(row);
        std::copy(mirror.begin(), mirror.end(), out.mirrored.begin() + slot * dim);
      }
    } catch (const Error& e) {
      out.errors[slot] = e.what();
    }
  });
  return out;
}

}  // namespace ptk::vision
