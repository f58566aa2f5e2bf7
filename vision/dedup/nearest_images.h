// Nearest-neighbour search of descriptors (image_descriptor.h, or backbone features) among a
// fixed set of reference pictures, the evaluation images, with FAISS by inner product (= cosine
// similarity of L2-normalised vectors). Exact (a flat index) up to `approximate_above` reference
// vectors; above it an inverted-file index (IVF, sqrt(n) lists, 16 of them probed) trades a little
// recall for time. Searching is thread safe; FAISS spreads a batch over OpenMP threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace faiss {
struct Index;
}

namespace ptk::vision {

struct Nearest {
  int64_t index = -1;        // into the reference vectors; -1 when there are none
  float similarity = -2.0f;  // inner product
};

class NearestImages {
 public:
  // `vectors` holds `count` rows of `dim` floats.
  NearestImages(int dim, const std::vector<float>& vectors, int64_t approximate_above);
  ~NearestImages();
  NearestImages(const NearestImages&) = delete;
  NearestImages& operator=(const NearestImages&) = delete;

  int64_t size() const { return count_; }
  bool exact() const { return exact_; }

  // The nearest reference of each of the `count` query rows.
  std::vector<Nearest> search(const std::vector<float>& queries) const;

 private:
  int dim_;
  int64_t count_;
  bool exact_;
  std::unique_ptr<faiss::Index> quantizer_;  // the IVF index's coarse quantizer
  std::unique_ptr<faiss::Index> index_;
};

}  // namespace ptk::vision
