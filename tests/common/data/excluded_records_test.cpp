// Records left out of training (data.exclude): found by key in a real shard set, mapped from
// the kept count back to global indices, and never drawn by an order over the kept records.
#include "common/data/excluded_records.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/data/epoch_order.h"
#include "common/data/shard_reader.h"
#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

TEST(ExcludedRecords, KeptCountsMapToTheRecordsThatAreNotExcluded) {
  const std::vector<uint64_t> sizes = {5, 0, 7, 3};  // 15 records
  const ExcludedRecords excluded({0, 6, 5, 14, 9, 6}, sizes);
  EXPECT_EQ(excluded.indices(), (std::vector<uint64_t>{0, 5, 6, 9, 14}));
  EXPECT_EQ(excluded.per_shard(), (std::vector<uint64_t>{1, 0, 3, 1}));
  EXPECT_EQ(excluded.kept_shard_sizes(sizes), (std::vector<uint64_t>{4, 0, 4, 2}));
  std::vector<uint64_t> kept;
  for (uint64_t g = 0; g < 15; ++g) {
    if (!excluded.contains(g)) kept.push_back(g);
  }
  ASSERT_EQ(kept.size(), 10u);
  for (uint64_t k = 0; k < kept.size(); ++k) EXPECT_EQ(excluded.kept_to_global(k), kept[k]) << k;
  EXPECT_THROW(ExcludedRecords({15}, sizes), Error);
}

TEST(ExcludedRecords, ReadsKeysFromAFileAndNamesTheFirstUnknownOnes) {
  TempDir tmp;
  testing::write_image_set(tmp.sub("set"), 40, 9);
  const ShardSet set(tmp.sub("set"));
  std::ofstream(tmp.sub("exclude.txt")) << "# from ptk-wsl dedup\nimg-3\n\nimg-17\r\n img-39 \n";
  const ExcludedRecords excluded = ExcludedRecords::read(set, tmp.sub("exclude.txt"), 2);
  EXPECT_EQ(excluded.indices(), (std::vector<uint64_t>{3, 17, 39}));

  std::ofstream(tmp.sub("bad.txt")) << "img-1\nnope-a\nimg-2\nnope-b\n";
  try {
    ExcludedRecords::read(set, tmp.sub("bad.txt"), 2);
    FAIL() << "no error for unknown keys";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.txt: 2 key(s)"), std::string::npos) << what;
    EXPECT_NE(what.find("'nope-a' (line 2), 'nope-b' (line 4)"), std::string::npos) << what;
  }
}

// Every kept record exactly once per epoch, no excluded one, for the uniform and the windowed
// order, and the same positions give the same records in every copy of the order.
TEST(ExcludedRecords, OrdersOverTheKeptRecordsNeverYieldAnExcludedOne) {
  const std::vector<uint64_t> sizes = {10, 10, 10, 10};
  auto excluded = std::make_shared<const ExcludedRecords>(
      std::vector<uint64_t>{1, 2, 11, 19, 20, 21, 22, 39}, sizes);
  const uint64_t kept = 40 - excluded->size();
  for (const bool windowed : {false, true}) {
    const EpochOrder inner =
        windowed ? EpochOrder::shard_windows(excluded->kept_shard_sizes(sizes), 2, 5)
                 : EpochOrder(kept, 5);
    const EpochOrder order = inner.over_kept_records(excluded, 40);
    EXPECT_EQ(order.num_samples(), 40u);
    EXPECT_EQ(order.epoch_length(), kept);
    for (uint64_t epoch = 0; epoch < 3; ++epoch) {
      std::set<uint64_t> seen;
      for (uint64_t p = 0; p < kept; ++p) {
        const uint64_t g = order.sample_at(epoch, p);
        EXPECT_FALSE(excluded->contains(g)) << g;
        seen.insert(g);
        EXPECT_EQ(g, inner.over_kept_records(excluded, 40).sample_at(epoch, p));
      }
      EXPECT_EQ(seen.size(), kept);
    }
  }
  EXPECT_THROW(EpochOrder(kept + 1, 5).over_kept_records(excluded, 40), Error);
}

}  // namespace
}  // namespace ptk::data
