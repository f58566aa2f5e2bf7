// The per-shard resampling summary gives the sets' class counts and each shard's share of the
// per-image weights exactly as the per-image formula does, reads back bit for bit, refuses a
// summary of another set, and the two-step order it drives draws classes at the expected
// frequencies.
#include "vision/hashtags/shard_resampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/data/shard_writer.h"
#include "common/io/atomic_file.h"
#include "tests/common/data/test_shards.h"

namespace ptk::vision {
namespace {

using data::testing::TempDir;

// Zipf-like labels over 7 classes, 1-3 per image; image 13 has none and image 21 an id
// outside the vocabulary (both weigh 0).
std::vector<std::vector<int32_t>> skewed_labels(size_t n) {
  std::vector<std::vector<int32_t>> labels(n);
  for (size_t i = 0; i < n; ++i) {
    labels[i].push_back(static_cast<int32_t>((i * i) % 13 < 7 ? 0 : i % 7));
    if (i % 3 == 1) labels[i].push_back(static_cast<int32_t>(1 + i % 6));
    if (i % 5 == 2) labels[i].push_back(6);
  }
  labels[13].clear();
  labels[21] = {9};
  return labels;
}

std::shared_ptr<const data::ShardSet> write_set(const std::string& dir,
                                                const std::vector<std::vector<int32_t>>& labels,
                                                uint64_t per_shard) {
  data::ShardWriterOptions o;
  o.dir = dir;
  o.max_shard_records = per_shard;
  data::ShardSetWriter writer(o);
  for (size_t i = 0; i < labels.size(); ++i) {
    data::ImageRecord r;
    r.bytes = {1, 2, 3};
    r.labels = labels[i];
    r.key = "img-" + std::to_string(i);
    writer.add(r);
  }
  writer.finish();
  return std::make_shared<const data::ShardSet>(dir, 3);
}

TEST(ResamplingSummary, MatchesThePerImageFormulaShardByShard) {
  TempDir tmp;
  auto labels = skewed_labels(300);
  const auto set = write_set(tmp.path(), labels, 32);
  const ResamplingSummary summary = ResamplingSummary::compute(*set, 7, 2);
  labels[21].clear();  // what the summary does with an id outside the vocabulary
  EXPECT_EQ(summary.class_counts, class_counts(labels, 7));
  EXPECT_EQ(summary.shard_sizes, set->shard_sizes());
  for (Resampling mode : {Resampling::kSquareRoot, Resampling::kUniform, Resampling::kNatural}) {
    const std::vector<double> weights = resampling_weights(labels, summary.class_counts, mode);
    const std::vector<double> totals = summary.shard_totals(mode);
    const double all = std::accumulate(totals.begin(), totals.end(), 0.0);
    for (size_t s = 0; s < set->num_shards(); ++s) {
      const uint64_t first = set->first_sample(s);
      const double mine = std::accumulate(weights.begin() + first,
                                          weights.begin() + first + summary.shard_sizes[s], 0.0);
      if (mode == Resampling::kNatural) {
        EXPECT_EQ(totals[s], static_cast<double>(summary.shard_sizes[s]));
      } else {
        // resampling_weights scales the weights to sum to the number of images.
        EXPECT_NEAR(totals[s] / all, mine / 300.0, 1e-12) << to_string(mode) << " shard " << s;
      }
    }
  }
}

TEST(ResamplingSummary, DoesNotDependOnThreadsAndReadsBackBitForBit) {
  TempDir tmp;
  const auto set = write_set(tmp.path() + "/set", skewed_labels(300), 32);
  const ResamplingSummary one = ResamplingSummary::compute(*set, 7, 1);
  const ResamplingSummary three = ResamplingSummary::compute(*set, 7, 3);
  EXPECT_EQ(one.sqrt_totals, three.sqrt_totals);
  EXPECT_EQ(one.uniform_totals, three.uniform_totals);
  EXPECT_EQ(one.class_counts, three.class_counts);
  const std::string path = tmp.path() + "/resampling.tsv";
  one.write_tsv(path);
  const ResamplingSummary back = ResamplingSummary::read_tsv(path, *set, 7);
  EXPECT_EQ(back.sqrt_totals, one.sqrt_totals);
  EXPECT_EQ(back.uniform_totals, one.uniform_totals);
  EXPECT_EQ(back.class_counts, one.class_counts);
  EXPECT_EQ(back.shard_sizes, one.shard_sizes);
}

std::string read_error(const std::string& path, const data::ShardSet& set, size_t classes) {
  try {
    ResamplingSummary::read_tsv(path, set, classes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ResamplingSummary, ASummaryOfAnotherSetOrVocabularyIsRefusedNamingTheLine) {
  TempDir tmp;
  const auto set = write_set(tmp.path() + "/set", skewed_labels(100), 32);
  const std::string path = tmp.path() + "/resampling.tsv";
  ResamplingSummary::compute(*set, 7, 1).write_tsv(path);
  EXPECT_NE(read_error(path, *set, 8).find(path + " line 2"), std::string::npos);
  const std::string text = io::read_file(path);

  std::string other = text;
  other.replace(other.find("shard\t1\t32\t"), 11, "shard\t1\t31\t");
  io::write_file_atomic(path, other);
  const std::string error = read_error(path, *set, 7);
  EXPECT_NE(error.find("shard 1 of 31 images does not match"), std::string::npos) << error;

  io::write_file_atomic(path, text.substr(0, text.rfind("shard\t")));
  EXPECT_NE(read_error(path, *set, 7).find("lists 3 of the 4 shards"), std::string::npos);

  other = text;
  other.replace(other.find("shard\t0\t"), 8, "shard\t0\t-");
  io::write_file_atomic(path, other);
  EXPECT_NE(read_error(path, *set, 7).find("not a count"), std::string::npos);
}

TEST(ResamplingSummary, TwoStepOrderDrawsClassesAtTheExpectedFrequencies) {
  TempDir tmp;
  auto labels = skewed_labels(300);
  const auto set = write_set(tmp.path(), labels, 32);
  const ResamplingSummary summary = ResamplingSummary::compute(*set, 7, 2);
  labels[21].clear();
  const std::vector<double> weights =
      resampling_weights(labels, summary.class_counts, Resampling::kSquareRoot);
  const std::vector<double> expected = expected_class_frequencies(labels, weights, 7);
  const uint64_t draws = 60000;
  for (uint64_t locality : {0u, 16u}) {
    const data::EpochOrder order =
        hashtag_epoch_order(set, &summary, Resampling::kSquareRoot, 7, draws, locality);
    std::vector<double> seen(7, 0.0);
    for (uint64_t p = 0; p < draws; ++p) {
      const uint64_t i = order.sample_at(1, p);
      ASSERT_FALSE(labels[i].empty()) << "image " << i << " weighs 0 but was drawn";
      for (int32_t c : labels[i]) seen[static_cast<size_t>(c)] += 1.0 / draws;
    }
    for (size_t c = 0; c < 7; ++c) {
      EXPECT_NEAR(seen[c], expected[c], 0.015) << "class " << c << " locality " << locality;
    }
  }
  EXPECT_LE(set->open_shards(), 3u + 1u);
}

TEST(ResamplingSummary, NaturalOrdersNeedNoSummary) {
  TempDir tmp;
  const auto set = write_set(tmp.path(), skewed_labels(100), 32);
  const data::EpochOrder whole = hashtag_epoch_order(set, nullptr, Resampling::kNatural, 1, 100, 0);
  EXPECT_FALSE(whole.is_weighted());
  const data::EpochOrder windows =
      hashtag_epoch_order(set, nullptr, Resampling::kNatural, 1, 100, 2);
  std::vector<bool> seen(100, false);
  for (uint64_t p = 0; p < 100; ++p) seen[windows.sample_at(0, p)] = true;
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 100);
  const data::EpochOrder longer =
      hashtag_epoch_order(set, nullptr, Resampling::kNatural, 1, 250, 0);
  EXPECT_TRUE(longer.is_weighted());
  EXPECT_EQ(set->open_shards(), 0u) << "no label was read";
  EXPECT_THROW(hashtag_epoch_order(set, nullptr, Resampling::kUniform, 1, 100, 0), Error);
}

// data.exclude: excluded images are never drawn by any wsl order, and the class counts that
// sqrt resampling weighs by are those of the kept images.
TEST(ResamplingSummary, ExcludedImagesAreNeverDrawnAndNotCounted) {
  TempDir tmp;
  const auto labels = skewed_labels(120);
  const auto set = write_set(tmp.path(), labels, 32);
  std::vector<uint64_t> left_out;
  for (uint64_t i = 0; i < 120; i += 7) left_out.push_back(i);
  const auto excluded = std::make_shared<const data::ExcludedRecords>(left_out, set->shard_sizes());
  const ResamplingSummary summary = ResamplingSummary::compute(*set, 7, 2, excluded.get());
  std::vector<uint64_t> counts(7, 0);
  for (uint64_t i = 0; i < 120; ++i) {
    if (i % 7 == 0 || i == 21) continue;  // excluded, or outside the vocabulary
    for (int32_t c : labels[i]) ++counts[static_cast<size_t>(c)];
  }
  EXPECT_EQ(summary.class_counts, counts);
  const uint64_t kept = 120 - left_out.size();
  EXPECT_EQ(summary.shard_sizes, excluded->kept_shard_sizes(set->shard_sizes()));
  struct Case {
    Resampling mode;
    uint64_t length;
    uint64_t locality;
  };
  for (const Case& c : {Case{Resampling::kNatural, kept, 0}, Case{Resampling::kNatural, kept, 2},
                        Case{Resampling::kNatural, 500, 0}, Case{Resampling::kSquareRoot, 500, 0},
                        Case{Resampling::kUniform, 500, 4}}) {
    const data::EpochOrder order =
        hashtag_epoch_order(set, &summary, c.mode, 3, c.length, c.locality, excluded);
    EXPECT_EQ(order.epoch_length(), c.length);
    for (uint64_t p = 0; p < c.length; ++p) {
      ASSERT_FALSE(excluded->contains(order.sample_at(1, p)))
          << to_string(c.mode) << " length " << c.length << " locality " << c.locality;
    }
  }
}

}  // namespace
}  // namespace ptk::vision
