// The data layout contract of task.h: how global batches advance through epochs and how ranks
// and micro-steps split them.
#include "common/train/task.h"

#include <gtest/gtest.h>

#include <set>

#include "common/base/error.h"

namespace ptk::train {
namespace {

TEST(LoaderPosition, AdvanceDropsThePartialLastBatchOfAnEpoch) {
  LoaderPosition position;
  position = advance(position, 8, 20);
  EXPECT_EQ(position.epoch, 0);
  EXPECT_EQ(position.samples_in_epoch, 8);
  position = advance(position, 8, 20);  // 4 samples would remain: the next epoch starts
  EXPECT_EQ(position.epoch, 1);
  EXPECT_EQ(position.samples_in_epoch, 0);
  EXPECT_THROW(advance(position, 21, 20), Error);
}

TEST(StreamSpec, RanksAndMicroStepsPartitionEveryGlobalBatch) {
  for (int world : {1, 2, 3, 4}) {
    for (int64_t accumulation : {1, 2, 3}) {
      StreamSpec spec;
      spec.world_size = world;
      spec.accumulation = accumulation;
      spec.micro_batch = 2;
      spec.global_batch = world * accumulation * 2;
      spec.samples_per_epoch = 5 * spec.global_batch + 1;
      for (int64_t batch = 0; batch < 12; ++batch) {
        std::set<std::pair<int64_t, int64_t>> seen;
        int64_t epoch = -1;
        for (int rank = 0; rank < world; ++rank) {
          spec.rank = rank;
          for (int64_t micro = 0; micro < accumulation; ++micro) {
            SampleSlice slice = slice_for(spec, batch, micro);
            if (epoch < 0) epoch = slice.epoch;
            EXPECT_EQ(slice.epoch, epoch);
            for (int64_t i = slice.first; i < slice.first + slice.count; ++i) {
              EXPECT_TRUE(seen.insert({slice.epoch, i}).second) << "sample read twice";
            }
          }
        }
        // Together the slices are exactly the global batch [p, p + B) of one-rank reading.
        StreamSpec one = spec;
        one.rank = 0;
        one.world_size = 1;
        one.accumulation = 1;
        one.micro_batch = spec.global_batch;
        SampleSlice whole = slice_for(one, batch, 0);
        ASSERT_EQ(static_cast<int64_t>(seen.size()), whole.count);
        EXPECT_EQ(seen.begin()->first, whole.epoch);
        EXPECT_EQ(seen.begin()->second, whole.first);
        EXPECT_EQ(seen.rbegin()->second, whole.first + whole.count - 1);
      }
    }
  }
}

TEST(StreamSpec, StreamOpenedAtAPositionContinuesTheUninterruptedSequence) {
  StreamSpec spec;
  spec.global_batch = 6;
  spec.micro_batch = 6;
  spec.samples_per_epoch = 20;
  LoaderPosition position;
  for (int64_t batch = 0; batch < 9; ++batch) {
    StreamSpec resumed = spec;
    resumed.start = position;
    SampleSlice expected = slice_for(spec, batch, 0);
    SampleSlice actual = slice_for(resumed, 0, 0);
    EXPECT_EQ(actual.epoch, expected.epoch) << batch;
    EXPECT_EQ(actual.first, expected.first) << batch;
    EXPECT_EQ(actual.epoch, position.epoch);
    EXPECT_EQ(actual.first, position.samples_in_epoch);
    position = advance(position, spec.global_batch, spec.samples_per_epoch);
  }
}

TEST(Batch, MissingFieldErrorNamesTheFieldAndThosePresent) {
  Batch batch;
  batch.fields["images"] = at::Tensor();
  try {
    batch.at("labels");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'labels'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("images"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::train
