#include "common/data/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

// A decoded sample: the record's key plus two random draws, so both the record chosen and the
// RNG stream show up in comparisons.
struct Decoded {
  std::string key;
  uint32_t draw = 0;
  float u = 0;
  bool operator==(const Decoded& o) const { return key == o.key && draw == o.draw && u == o.u; }
};

Decoded decode(const RecordView& record, SampleRng& rng) {
  return {std::string(record.key), rng.next_u32(), rng.uniform()};
}

// Rejects records whose first label is 9 (stands for a JPEG the decoder cannot handle).
Decoded decode_picky(const RecordView& record, SampleRng& rng) {
  if (!record.labels.empty() && record.labels[0] == 9) throw std::runtime_error("unsupported");
  return decode(record, rng);
}

std::vector<Batch<Decoded>> read_all(std::shared_ptr<ShardSet> set, LoaderOptions options,
                                     uint64_t seed = 3) {
  Loader<Decoded> loader(set, EpochOrder(set->num_samples(), seed), options, decode);
  std::vector<Batch<Decoded>> batches;
  while (auto batch = loader.next()) batches.push_back(std::move(*batch));
  return batches;
}

LoaderOptions options(int threads, int rank = 0, int world = 1, uint64_t global_batch = 8) {
  LoaderOptions o;
  o.global_batch = global_batch;
  o.rank = rank;
  o.world_size = world;
  o.threads = threads;
  o.prefetch_batches = 2;
  o.seed = 77;
  o.end_epoch = 2;
  return o;
}

TEST(Loader, SameBatchesWithOneAndFourThreads) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 101, 16);
  auto set = std::make_shared<ShardSet>(tmp.path());
  const auto inline_batches = read_all(set, options(0));
  for (int threads : {1, 4}) {
    const auto batches = read_all(set, options(threads));
    ASSERT_EQ(batches.size(), inline_batches.size());
    for (size_t b = 0; b < batches.size(); ++b) {
      EXPECT_EQ(batches[b].samples, inline_batches[b].samples) << "threads " << threads;
      EXPECT_EQ(batches[b].sample_indices, inline_batches[b].sample_indices);
      EXPECT_EQ(batches[b].epoch, inline_batches[b].epoch);
    }
  }
  // 101 samples, global batch 8: 12 full batches per epoch (the last 5 positions are dropped),
  // two epochs.
  ASSERT_EQ(inline_batches.size(), 24u);
  std::set<uint64_t> epoch0;
  for (size_t b = 0; b < 12; ++b) {
    for (uint64_t s : inline_batches[b].sample_indices) epoch0.insert(s);
  }
  EXPECT_EQ(epoch0.size(), 96u);  // no sample twice within an epoch
}

TEST(Loader, RanksSplitEachGlobalBatch) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 64, 16);
  auto set = std::make_shared<ShardSet>(tmp.path());
  const auto single = read_all(set, options(2, 0, 1, 8));
  std::vector<std::vector<Batch<Decoded>>> ranks;
  for (int r = 0; r < 4; ++r) ranks.push_back(read_all(set, options(2, r, 4, 8)));
  for (size_t b = 0; b < single.size(); ++b) {
    std::vector<Decoded> joined;
    for (int r = 0; r < 4; ++r) {
      ASSERT_EQ(ranks[r].size(), single.size());
      ASSERT_EQ(ranks[r][b].samples.size(), 2u);
      joined.insert(joined.end(), ranks[r][b].samples.begin(), ranks[r][b].samples.end());
    }
    EXPECT_EQ(joined, single[b].samples) << "batch " << b;
  }
}

TEST(Loader, ResumeFromSavedPositionContinuesExactly) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 50, 16);
  auto set = std::make_shared<ShardSet>(tmp.path());
  const auto full = read_all(set, options(2, 0, 1, 4));
  // Stop after 17 batches (mid second epoch), resume from the saved position with 2 ranks.
  LoaderPosition saved;
  {
    Loader<Decoded> loader(set, EpochOrder(50, 3), options(4, 0, 1, 4), decode);
    for (int i = 0; i < 17; ++i) loader.next();
    saved = loader.position();
  }
  EXPECT_EQ(saved, (LoaderPosition{1, 20}));  // 12 full batches of 4 per epoch of 50
  std::vector<Batch<Decoded>> halves[2];
  for (int r = 0; r < 2; ++r) {
    LoaderOptions o = options(3, r, 2, 4);
    o.start = saved;
    halves[r] = read_all(set, o);
  }
  ASSERT_EQ(halves[0].size(), full.size() - 17);
  for (size_t b = 0; b < halves[0].size(); ++b) {
    std::vector<Decoded> joined = halves[0][b].samples;
    joined.insert(joined.end(), halves[1][b].samples.begin(), halves[1][b].samples.end());
    EXPECT_EQ(joined, full[17 + b].samples) << "batch " << b;
  }
}

TEST(Loader, CorruptRecordIsReplacedDeterministicallyAndCounted) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 40, 10);
  // Damage one image byte of record 3 in shard 1 (sample 13).
  {
    ShardReader reader(tmp.sub("shard-00001.h5"));
    const RecordView view = reader.record(3);
    uint64_t offset = 0;
    for (const auto& d : reader.layout()) {
      if (d.name == kImageBytes) offset = d.file_offset;
    }
    const uint64_t start =
        static_cast<uint64_t>(view.image_bytes.data - reader.record(0).image_bytes.data);
    testing::flip_byte(tmp.sub("shard-00001.h5"), offset + start + 1);
  }
  auto set = std::make_shared<ShardSet>(tmp.path());
  std::vector<std::vector<Batch<Decoded>>> runs;
  for (int threads : {1, 4}) {
    for (int rank = 0; rank < 2; ++rank) {
      LoaderOptions o = options(threads, rank, 2, 8);
      Loader<Decoded> loader(set, EpochOrder(40, 3), o, decode);
      std::vector<Batch<Decoded>> batches;
      uint32_t substituted = 0;
      while (auto batch = loader.next()) {
        for (uint64_t s : batch->sample_indices) EXPECT_NE(s, 13u);
        for (const auto& d : batch->samples) EXPECT_NE(d.key, "img-13");
        substituted += batch->substituted;
        batches.push_back(std::move(*batch));
      }
      EXPECT_EQ(batches.size(), 10u);  // every rank: 5 batches per epoch, 2 epochs
      EXPECT_EQ(loader.substitutions(), substituted);
      runs.push_back(std::move(batches));
    }
  }
  // Both ranks together substituted sample 13 once per epoch, in the run with 1 and 4 threads.
  for (size_t b = 0; b < runs[0].size(); ++b) {
    EXPECT_EQ(runs[0][b].samples, runs[2][b].samples);
    EXPECT_EQ(runs[1][b].samples, runs[3][b].samples);
  }
  uint32_t total = 0;
  for (int r = 0; r < 2; ++r) {
    for (const auto& batch : runs[r]) total += batch.substituted;
  }
  EXPECT_EQ(total, 2u);
}

TEST(Loader, DecodeFailureIsReplacedBySubstitute) {
  TempDir tmp;
  // make_image gives labels starting with 9 to some records; the decoder rejects those.
  testing::write_image_set(tmp.path(), 60, 20);
  auto set = std::make_shared<ShardSet>(tmp.path());
  uint64_t rejected = 0;
  for (uint64_t i = 0; i < 60; ++i) {
    const auto labels = testing::make_image(i).labels;
    rejected += !labels.empty() && labels[0] == 9;
  }
  ASSERT_GT(rejected, 0u);
  Loader<Decoded> loader(set, EpochOrder(60, 5), options(4, 0, 1, 6), decode_picky);
  uint64_t seen = 0;
  while (auto batch = loader.next()) {
    EXPECT_EQ(batch->samples.size(), 6u);
    seen += batch->samples.size();
  }
  EXPECT_EQ(seen, 120u);
  EXPECT_EQ(loader.substitutions(), 2 * rejected);
}

TEST(Loader, BrokenShardDoesNotStopTheRun) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 30, 10);
  std::filesystem::resize_file(tmp.sub("shard-00002.h5"), 200);
  auto set = std::make_shared<ShardSet>(tmp.path());
  LoaderOptions o = options(2, 0, 1, 5);
  o.end_epoch = 1;
  Loader<Decoded> loader(set, EpochOrder(30, 1), o, decode);
  int batches = 0;
  while (auto batch = loader.next()) {
    for (uint64_t s : batch->sample_indices) EXPECT_LT(s, 20u);
    ++batches;
  }
  EXPECT_EQ(batches, 6);
  EXPECT_EQ(loader.substitutions(), 10u);
}

TEST(Loader, StartPositionMustBeABatchBoundary) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 30, 10);
  auto set = std::make_shared<ShardSet>(tmp.path());
  LoaderOptions o = options(1, 0, 1, 5);
  o.start = {0, 7};
  EXPECT_THROW(Loader<Decoded>(set, EpochOrder(30, 1), o, decode), Error);
}

}  // namespace
}  // namespace ptk::data
