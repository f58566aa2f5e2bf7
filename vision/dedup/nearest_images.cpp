#include "vision/dedup/nearest_images.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>

#include <algorithm>
#include <cmath>

#include "common/base/error.h"

namespace ptk::vision {

namespace {
// Lists an IVF search visits. A near-duplicate lies within a hair of its original, so it falls
// into the list of its original's nearest centroid or one next to it.
constexpr size_t kProbedLists = 16;
}  // namespace

NearestImages::NearestImages(int dim, const std::vector<float>& vectors, int64_t approximate_above)
    : dim_(dim),
      count_(static_cast<int64_t>(vectors.size()) / dim),
      exact_(count_ <= approximate_above) {
  fail_if(dim < 1 || vectors.size() % static_cast<size_t>(dim) != 0,
          "nearest images: {} values are not rows of {}", vectors.size(), dim);
  if (exact_) {
    index_ = std::make_unique<faiss::IndexFlatIP>(dim);
  } else {
    const auto lists = static_cast<size_t>(std::max(1.0, std::sqrt(static_cast<double>(count_))));
    quantizer_ = std::make_unique<faiss::IndexFlatIP>(dim);
    auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer_.get(), dim, lists,
                                                     faiss::METRIC_INNER_PRODUCT);
    ivf->train(count_, vectors.data());
    ivf->nprobe = std::min<size_t>(lists, kProbedLists);
    index_ = std::move(ivf);
  }
  if (count_ > 0) index_->add(count_, vectors.data());
}

NearestImages::~NearestImages() = default;

std::vector<Nearest> NearestImages::search(const std::vector<float>& queries) const {
  fail_if(queries.size() % static_cast<size_t>(dim_) != 0,
          "nearest images: {} query values are not rows of {}", queries.size(), dim_);
  const auto n = static_cast<int64_t>(queries.size()) / dim_;
  std::vector<Nearest> nearest(static_cast<size_t>(n));
  if (n == 0 || count_ == 0) return nearest;
  std::vector<float> similarities(static_cast<size_t>(n));
  std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(n));
  index_->search(n, queries.data(), 1, similarities.data(), labels.data());
  for (size_t i = 0; i < nearest.size(); ++i) {
    nearest[i] = {static_cast<int64_t>(labels[i]), labels[i] < 0 ? -2.0f : similarities[i]};
  }
  return nearest;
}

}  // namespace ptk::vision
