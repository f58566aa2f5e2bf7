#include "vision/hashtags/shard_resampling.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/base/split.h"
#include "common/io/atomic_file.h"

namespace ptk::vision {

namespace {

constexpr char kHeader[] = "# ptk resampling summary 1";

bool labels_valid(const data::RecordView& record, size_t num_classes) {
  if (record.labels.size == 0) return false;
  for (int32_t c : record.labels) {
    if (c < 0 || static_cast<size_t>(c) >= num_classes) return false;
  }
  return true;
}

uint64_t parse_count(const std::string& text, const std::string& where) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0) {
    throw error("{}: '{}' is not a count", where, text);
  }
  return value;
}

double parse_weight(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0) {
    throw error("{}: '{}' is not a finite weight >= 0", where, text);
  }
  return value;
}

}  // namespace

double image_weight(const int32_t* labels, size_t count, const std::vector<double>& class_weights) {
  if (count == 0) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const int32_t c = labels[i];
    if (c < 0 || static_cast<size_t>(c) >= class_weights.size() ||
        class_weights[static_cast<size_t>(c)] == 0.0) {
      return 0.0;
    }
    sum += class_weights[static_cast<size_t>(c)];
  }
  return sum / static_cast<double>(count);
}

ResamplingSummary ResamplingSummary::compute(const data::ShardSet& set, size_t num_classes,
                                             int threads, const data::ExcludedRecords* excluded) {
  const size_t shards = set.num_shards();
  ResamplingSummary summary;
  summary.shard_sizes =
      excluded ? excluded->kept_shard_sizes(set.shard_sizes()) : set.shard_sizes();
  summary.class_counts.assign(num_classes, 0);
  const auto left_out = [&set, excluded](int64_t s, uint64_t i) {
    return excluded != nullptr && excluded->contains(set.first_sample(static_cast<size_t>(s)) + i);
  };
  // Pass 1: n_c, per shard then summed (integers: the order does not matter).
  std::mutex mutex;
  parallel_for(static_cast<int64_t>(shards), threads, [&](int64_t s) {
    // The shard's class ids, counted under the lock: O(labels) per shard, not O(vocabulary).
    std::vector<int32_t> ids;
    {
      const auto shard = set.shard(static_cast<size_t>(s));
      for (uint64_t i = 0; i < shard->num_records(); ++i) {
        const data::RecordView record = shard->record(i);
        if (!left_out(s, i) && labels_valid(record, num_classes))
          ids.insert(ids.end(), record.labels.begin(), record.labels.end());
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    for (int32_t c : ids) ++summary.class_counts[static_cast<size_t>(c)];
  });
  // Pass 2: W_s, each shard summed in record order (the same bits for any thread count).
  const std::vector<double> sqrt_weights =
      class_weights(summary.class_counts, Resampling::kSquareRoot);
  const std::vector<double> uniform_weights =
      class_weights(summary.class_counts, Resampling::kUniform);
  summary.sqrt_totals.assign(shards, 0.0);
  summary.uniform_totals.assign(shards, 0.0);
  parallel_for(static_cast<int64_t>(shards), threads, [&](int64_t s) {
    const auto shard = set.shard(static_cast<size_t>(s));
    double sqrt_total = 0.0, uniform_total = 0.0;
    for (uint64_t i = 0; i < shard->num_records(); ++i) {
      if (left_out(s, i)) continue;
      const data::RecordView record = shard->record(i);
      sqrt_total += image_weight(record.labels.data, record.labels.size, sqrt_weights);
      uniform_total += image_weight(record.labels.data, record.labels.size, uniform_weights);
    }
    summary.sqrt_totals[static_cast<size_t>(s)] = sqrt_total;
    summary.uniform_totals[static_cast<size_t>(s)] = uniform_total;
  });
  return summary;
}

void ResamplingSummary::write_tsv(const std::string& path) const {
  std::string text = std::string(kHeader) +
                     ": class counts n_c, then per shard its images and the sums of their "
                     "weights mean(n_c^-p) for p = 1/2 and p = 1\n";
  text += fmt::format("classes\t{}\n", class_counts.size());
  for (size_t c = 0; c < class_counts.size(); ++c) {
    if (class_counts[c] > 0) {
      text += fmt::format("class\t{}\t{}\n", c, class_counts[c]);
    }
  }
  char line[128];
  for (size_t s = 0; s < shard_sizes.size(); ++s) {
    std::snprintf(line, sizeof(line), "shard\t%zu\t%" PRIu64 "\t%.17g\t%.17g\n", s, shard_sizes[s],
                  sqrt_totals[s], uniform_totals[s]);
    text += line;
  }
  io::write_file_atomic(path, text);
}

ResamplingSummary ResamplingSummary::read_tsv(const std::string& path, const data::ShardSet& set,
                                              size_t num_classes) {
  std::istringstream in(io::read_file(path));
  ResamplingSummary summary;
  summary.class_counts.assign(num_classes, 0);
  const std::vector<uint64_t> sizes = set.shard_sizes();
  std::string line;
  uint64_t number = 0;
  bool classes_seen = false;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = fmt::format("{} line {}", path, number);
    if (number == 1) {
      if (line.rfind(kHeader, 0) != 0) throw error("{}: not a ptk resampling summary", where);
      continue;
    }
    const std::vector<std::string> f = split_copies(line, '\t');
    if (f[0] == "classes" && f.size() == 2) {
      if (parse_count(f[1], where) != num_classes) {
        throw error(
            "{}: summary of {} classes for a vocabulary of {} (written for another vocabulary?)",
            where, f[1], num_classes);
      }
      classes_seen = true;
    } else if (f[0] == "class" && f.size() == 3 && classes_seen) {
      const uint64_t c = parse_count(f[1], where);
      if (c >= num_classes) throw error("{}: class {} outside the vocabulary", where, f[1]);
      summary.class_counts[c] = parse_count(f[2], where);
    } else if (f[0] == "shard" && f.size() == 5) {
      const uint64_t s = parse_count(f[1], where);
      if (s != summary.shard_sizes.size() || s >= sizes.size() ||
          parse_count(f[2], where) != sizes[s]) {
        throw error(
            "{}: shard {} of {} images does not match {}/manifest.yaml ({} shards); was the set "
            "changed after prepare?",
            where, f[1], f[2], set.dir(), sizes.size());
      }
      summary.shard_sizes.push_back(sizes[s]);
      summary.sqrt_totals.push_back(parse_weight(f[3], where));
      summary.uniform_totals.push_back(parse_weight(f[4], where));
    } else {
      throw error("{}: expected 'classes', 'class' or 'shard' fields, got '{}'", where, line);
    }
  }
  fail_if(!classes_seen || summary.shard_sizes.size() != sizes.size(),
          "{}: lists {} of the {} shards of {} (truncated?)", path, summary.shard_sizes.size(),
          sizes.size(), set.dir());
  return summary;
}

std::vector<double> ResamplingSummary::shard_totals(Resampling mode) const {
  switch (mode) {
    case Resampling::kSquareRoot:
      return sqrt_totals;
    case Resampling::kUniform:
      return uniform_totals;
    case Resampling::kNatural:
      break;
  }
  return std::vector<double>(shard_sizes.begin(), shard_sizes.end());
}

ResamplingSummary load_resampling_summary(const data::ShardSet& set, size_t num_classes,
                                          int threads, const data::ExcludedRecords* excluded) {
  if (excluded != nullptr && !excluded->empty()) {
    spdlog::info("{}: counting the hashtags of its {} shards without the {} excluded records",
                 set.dir(), set.num_shards(), excluded->size());
    return ResamplingSummary::compute(set, num_classes, threads, excluded);
  }
  const auto& files = set.manifest().files;
  const auto it = files.find(kResamplingFileRole);
  if (it != files.end()) {
    return ResamplingSummary::read_tsv(set.dir() + "/" + it->second, set, num_classes);
  }
  spdlog::info(
      "{}: no resampling summary in the manifest; reading the labels of its {} shards "
      "(ptk-wsl prepare writes one)",
      set.dir(), set.num_shards());
  return ResamplingSummary::compute(set, num_classes, threads);
}

data::EpochOrder hashtag_epoch_order(std::shared_ptr<const data::ShardSet> set,
                                     const ResamplingSummary* summary, Resampling mode,
                                     uint64_t seed, uint64_t epoch_length, uint64_t shard_locality,
                                     std::shared_ptr<const data::ExcludedRecords> excluded) {
  const uint64_t n = set->num_samples();
  const bool excluding = excluded != nullptr && !excluded->empty();
  const std::vector<uint64_t> kept_sizes =
      excluding ? excluded->kept_shard_sizes(set->shard_sizes()) : set->shard_sizes();
  const uint64_t kept = n - (excluding ? excluded->size() : 0);
  if (mode == Resampling::kNatural && epoch_length == kept) {
    // Every image once per epoch: natural frequencies without sampling noise. With exclusions
    // the order runs over the kept records and answers with their global indices.
    data::EpochOrder order =
        shard_locality == 0 ? data::EpochOrder(kept, seed)
                            : data::EpochOrder::shard_windows(kept_sizes, shard_locality, seed);
    return excluding ? order.over_kept_records(excluded, n) : order;
  }
  data::ShardWeights weights;
  weights.shard_sizes = set->shard_sizes();
  weights.cached_shards = set->max_open_shards();
  std::shared_ptr<const std::vector<double>> class_weight;
  if (mode == Resampling::kNatural) {
    weights.shard_totals.assign(kept_sizes.begin(), kept_sizes.end());
  } else {
    fail_if(summary == nullptr, "hashtag epoch order: resampling needs the set's summary");
    weights.shard_totals = summary->shard_totals(mode);
    class_weight =
        std::make_shared<const std::vector<double>>(class_weights(summary->class_counts, mode));
  }
  // An excluded record weighs 0: it is never drawn.
  weights.record_weights = [set, class_weight, excluded](size_t s) {
    const uint64_t records = set->manifest().shards.at(s).num_samples;
    std::vector<double> w(records, 1.0);  // natural: no label is read
    if (class_weight != nullptr) {
      const auto shard = set->shard(s);
      for (uint64_t i = 0; i < records; ++i) {
        const data::RecordView record = shard->record(i);
        w[i] = image_weight(record.labels.data, record.labels.size, *class_weight);
      }
    }
    if (excluded != nullptr) {
      const uint64_t first = set->first_sample(s);
      const std::vector<uint64_t>& left_out = excluded->indices();
      for (auto it = std::lower_bound(left_out.begin(), left_out.end(), first);
           it != left_out.end() && *it < first + records; ++it) {
        w[*it - first] = 0.0;
      }
    }
    return w;
  };
  return data::EpochOrder::by_shard(std::move(weights), seed, epoch_length,
                                    std::max<uint64_t>(1, shard_locality));
}

}  // namespace ptk::vision
