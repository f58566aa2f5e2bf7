// What turns pictures into the vectors that `ptk-wsl dedup` compares: the thumbnail DCT
// descriptor (thumbnail_embedder.h, no network, catches copies, re-encodings and resizes) or a
// backbone's pooled features (backbone_embedder.h, catches what the backbone learnt to ignore).
// Rows are L2-normalised, so an inner product is a cosine similarity; the job asks for the
// mirror images' rows too, so that a left-right flip of a picture is found whatever the
// embedding. Torch-free interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

// An encoded image in memory (a shard record's bytes or a file's), and the name errors give it.
struct EncodedImage {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::string name;
};

struct Embeddings {
  std::vector<float> rows;          // images x dim; zeros for an unreadable image
  std::vector<float> mirrored;      // the same for the left-right mirror images, when asked
  std::vector<std::string> errors;  // per image: "" or why it could not be decoded
};

class ImageEmbedder {
 public:
  virtual ~ImageEmbedder() = default;
  virtual int dim() const = 0;
  // What the vectors are, for the summary ("thumbnail DCT 16x16", "backbone resnet50 ...").
  virtual std::string description() const = 0;
  // Never throws for an image it cannot decode: that image's error says why.
  virtual Embeddings embed(const std::vector<EncodedImage>& images, bool with_mirror) const = 0;
};

}  // namespace ptk::vision
