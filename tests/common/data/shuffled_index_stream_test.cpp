// The index stream that in-memory datasets (GLUE rows, image folders) train from: every epoch a
// permutation, ranks and micro-steps splitting each global batch, and resume at any position.
#include "common/data/shuffled_index_stream.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ptk::data {
namespace {

// A batch whose "index" field lists the dataset indices it covers.
train::Batch index_batch(const train::SampleSlice& slice, const std::vector<int64_t>& indices) {
  train::Batch batch;
  batch.fields["index"] = at::tensor(indices, at::kLong);
  batch.size = slice.count;
  return batch;
}

std::vector<int64_t> drain(train::BatchStream& stream, int64_t batches) {
  std::vector<int64_t> seen;
  for (int64_t i = 0; i < batches; ++i) {
    const at::Tensor index = stream.next().at("index");
    seen.insert(seen.end(), index.data_ptr<int64_t>(), index.data_ptr<int64_t>() + index.numel());
  }
  return seen;
}

train::StreamSpec spec_for(int rank, int world, int64_t accumulation) {
  train::StreamSpec spec;
  spec.rank = rank;
  spec.world_size = world;
  spec.global_batch = 8;
  spec.accumulation = accumulation;
  spec.micro_batch = 8 / (world * accumulation);
  spec.samples_per_epoch = 20;  // two full batches an epoch; 4 samples dropped
  return spec;
}

TEST(ShuffledIndexStream, EachEpochIsADistinctPermutationWithoutRepeats) {
  auto stream = open_shuffled_index_stream(spec_for(0, 1, 1), 7, index_batch);
  const std::vector<int64_t> first = drain(*stream, 2);
  const std::vector<int64_t> second = drain(*stream, 2);
  EXPECT_EQ(std::set<int64_t>(first.begin(), first.end()).size(), 16u);
  EXPECT_EQ(std::set<int64_t>(second.begin(), second.end()).size(), 16u);
  EXPECT_NE(first, second);
  for (int64_t index : first) EXPECT_TRUE(index >= 0 && index < 20);
}

TEST(ShuffledIndexStream, RanksAndMicroStepsSplitTheSingleRankStream) {
  auto single = open_shuffled_index_stream(spec_for(0, 1, 1), 3, index_batch);
  const std::vector<int64_t> expected = drain(*single, 4);
  std::vector<int64_t> split;
  auto rank0 = open_shuffled_index_stream(spec_for(0, 2, 2), 3, index_batch);
  auto rank1 = open_shuffled_index_stream(spec_for(1, 2, 2), 3, index_batch);
  for (int step = 0; step < 4; ++step) {
    // Micro-step m of rank r reads slice (m * world + r) of the global batch.
    const std::vector<int64_t> r0 = drain(*rank0, 2), r1 = drain(*rank1, 2);
    split.insert(split.end(), r0.begin(), r0.begin() + 2);
    split.insert(split.end(), r1.begin(), r1.begin() + 2);
    split.insert(split.end(), r0.begin() + 2, r0.end());
    split.insert(split.end(), r1.begin() + 2, r1.end());
  }
  EXPECT_EQ(split, expected);
}

TEST(ShuffledIndexStream, StartingAtAPositionContinuesTheUninterruptedStream) {
  auto whole = open_shuffled_index_stream(spec_for(0, 1, 1), 11, index_batch);
  const std::vector<int64_t> all = drain(*whole, 5);
  train::StreamSpec later = spec_for(0, 1, 1);
  later.start = {1, 8};  // epoch 1, second batch: the fourth batch of the run
  auto resumed = open_shuffled_index_stream(later, 11, index_batch);
  EXPECT_EQ(drain(*resumed, 2), std::vector<int64_t>(all.begin() + 24, all.end()));
  auto other_seed = open_shuffled_index_stream(spec_for(0, 1, 1), 12, index_batch);
  EXPECT_NE(drain(*other_seed, 5), all);
}

}  // namespace
}  // namespace ptk::data
