// Hashtag resampling over a sharded image set in memory independent of the number of images.
// The weight of an image is a function of its labels (resampling.h: the mean of n_c^-p over its
// classes), so a set is summarised by its class counts n_c and, per shard, the sum W_s of its
// images' weights for p = 1/2 and p = 1. `ptk-wsl prepare` writes the summary next to the
// shards (resampling.tsv, listed in the manifest as "resampling"); training reads it and draws
// a shard by W_s, then an image of that shard by its weight, computed from the shard's labels
// when the shard is drawn (data::EpochOrder::by_shard). Torch-free.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/data/epoch_order.h"
#include "common/data/excluded_records.h"
#include "common/data/shard_reader.h"
#include "vision/hashtags/resampling.h"

namespace ptk::vision {

constexpr char kResamplingFile[] = "resampling.tsv";
constexpr char kResamplingFileRole[] = "resampling";

struct ResamplingSummary {
  std::vector<uint64_t> class_counts;  // n_c: images of the set that carry class c
  std::vector<uint64_t> shard_sizes;   // images per shard
  std::vector<double> sqrt_totals;     // per shard: sum of its images' weights at p = 1/2
  std::vector<double> uniform_totals;  // per shard: the same at p = 1

  // Reads every shard's labels once (one shard open at a time per thread). Records whose
  // class ids fall outside [0, num_classes) count for nothing and weigh 0; the result does not
  // depend on `threads`.
  // Records `excluded` lists count for nothing (and shard_sizes are the kept records).
  static ResamplingSummary compute(const data::ShardSet& set, size_t num_classes, int threads,
                                   const data::ExcludedRecords* excluded = nullptr);
  // Writes `path` atomically; numbers printed so they read back bit for bit.
  void write_tsv(const std::string& path) const;
  // Reads what write_tsv wrote and checks it against the set (shards and their sizes) and the
  // vocabulary size; any mismatch or malformed line is an Error naming the file and line.
  static ResamplingSummary read_tsv(const std::string& path, const data::ShardSet& set,
                                    size_t num_classes);

  // W_s for `mode` (natural: the shard sizes).
  std::vector<double> shard_totals(Resampling mode) const;
};

// The summary a set lists in its manifest, or, for a set written without one, computed from
// its labels (logged: that reads every shard's labels once).
// With records excluded (data.exclude) the summary is always computed, without them.
ResamplingSummary load_resampling_summary(const data::ShardSet& set, size_t num_classes,
                                          int threads,
                                          const data::ExcludedRecords* excluded = nullptr);

// Unnormalised weight of an image with these class ids: the mean of class_weights over them;
// 0 for no classes or a class outside class_weights or of weight 0.
double image_weight(const int32_t* labels, size_t count, const std::vector<double>& class_weights);

// The wsl training order. Natural resampling over one epoch of the set is the uniform
// permutation (windowed when shard_locality > 0); otherwise two-step weighted draws, in runs of
// shard_locality draws from one shard when shard_locality > 1. `summary` is only read for sqrt /
// uniform resampling (computed without `excluded`). Records `excluded` lists are never drawn:
// the uniform orders run over the kept records, the weighted ones give them weight 0.
data::EpochOrder hashtag_epoch_order(
    std::shared_ptr<const data::ShardSet> set, const ResamplingSummary* summary, Resampling mode,
    uint64_t seed, uint64_t epoch_length, uint64_t shard_locality,
    std::shared_ptr<const data::ExcludedRecords> excluded = nullptr);

}  // namespace ptk::vision
