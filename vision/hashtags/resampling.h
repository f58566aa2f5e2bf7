// Hashtag resampling (Mahajan et al. 2018) as per-image weights for the data layer's weighted
// epoch order (ptk::data::EpochOrder::weighted). With n_c the number of training images that
// carry class c (HashtagVocab::counts()) and H_i the k_i >= 1 classes of image i:
//
//     w_i = (1 / k_i) * sum_{c in H_i} n_c^(-p)      p = 0 natural, 1/2 square-root, 1 uniform
//
// then all weights are scaled so they sum to the number of images (mean 1; the scale does
// not change the sampling distribution). Natural gives w_i = 1. For single-class images a
// class is drawn with probability proportional to n_c * n_c^(-p): n_c (natural), sqrt(n_c)
// (square-root), 1 (uniform). Averaging over H_i rather than summing keeps an image with many
// tags from being favoured, matching the k-hot/k target that spreads an image's mass over its
// tags. Images with no class get weight 0. Pure functions; deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

enum class Resampling { kNatural, kSquareRoot, kUniform };

// "natural", "sqrt" / "square_root", "uniform"; otherwise a usage Error naming the choices.
Resampling parse_resampling(const std::string& name);
const char* to_string(Resampling mode);       // "natural", "sqrt", "uniform"
double resampling_exponent(Resampling mode);  // p above

// Per-class image counts from per-image class ids (ids < num_classes, else an Error).
std::vector<uint64_t> class_counts(const std::vector<std::vector<int32_t>>& labels,
                                   size_t num_classes);

// n_c^(-p) for every class (0 for a class with no images).
std::vector<double> class_weights(const std::vector<uint64_t>& counts, Resampling mode);

// The weights above. An Error when an image names a class outside `counts` or with count 0.
std::vector<double> resampling_weights(const std::vector<std::vector<int32_t>>& labels,
                                       const std::vector<uint64_t>& counts, Resampling mode);

// Expected fraction of drawn images that carry each class when image i is drawn with
// probability w_i / sum(w): f_c = sum_{i: c in H_i} w_i / sum_i w_i. What a log line or a
// test compares the sampled stream with.
std::vector<double> expected_class_frequencies(const std::vector<std::vector<int32_t>>& labels,
                                               const std::vector<double>& weights,
                                               size_t num_classes);

}  // namespace ptk::vision
