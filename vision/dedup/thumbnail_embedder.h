// The default embedding of `ptk-wsl dedup`: the thumbnail DCT descriptor (image_descriptor.h) of
// each picture, decoded at the smallest JPEG DCT scale that keeps 64 pixels a side, on
// `threads` threads. The mirror rows come from the descriptor itself (flipped_descriptor), at
// no decoding cost. Torch-free.
#pragma once

#include "vision/dedup/image_embedder.h"

namespace ptk::vision {

class ThumbnailEmbedder : public ImageEmbedder {
 public:
  explicit ThumbnailEmbedder(int threads) : threads_(threads) {}
  int dim() const override;
  std::string description() const override;
  Embeddings embed(const std::vector<EncodedImage>& images, bool with_mirror) const override;

 private:
  int threads_;
};

}  // namespace ptk::vision
