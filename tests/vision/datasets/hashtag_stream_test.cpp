// HashtagStream honours the Trainer's StreamSpec: every (ranks x accumulation) layout of one
// global batch reads the same samples with the same augmentation, each micro-batch is
// slice_for's slice, a stream opened at a checkpointed position continues exactly, threads do
// not change batches, and square-root resampling draws hashtags at the expected frequencies.
#include "vision/datasets/hashtag_stream.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "common/base/error.h"
#include "common/data/shard_writer.h"
#include "tests/vision/transforms/test_images.h"
#include "vision/hashtags/resampling.h"
#include "vision/hashtags/shard_resampling.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("ptk-stream-" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// `labels.size()` small JPEGs with the given class ids, in shards of 16 records.
std::shared_ptr<const data::ShardSet> write_set(const std::string& dir,
                                                const std::vector<std::vector<int32_t>>& labels) {
  data::ShardWriterOptions o;
  o.dir = dir;
  o.max_shard_records = 16;
  data::ShardSetWriter writer(o);
  for (size_t i = 0; i < labels.size(); ++i) {
    data::ImageRecord record;
    record.bytes =
        testing::encode(testing::natural_scene(20, 16, static_cast<uint32_t>(i)), ".jpg");
    record.labels = labels[i];
    record.key = "img-" + std::to_string(i);
    writer.add(record);
  }
  writer.finish();
  return std::make_shared<const data::ShardSet>(dir);
}

std::vector<std::vector<int32_t>> cyclic_labels(size_t n) {
  std::vector<std::vector<int32_t>> labels(n);
  for (size_t i = 0; i < n; ++i) {
    labels[i] = {static_cast<int32_t>(i % 5)};
    if (i % 3 == 0) labels[i].push_back(5);
  }
  return labels;
}

HashtagStreamOptions stream_options(int threads, int size = 12) {
  HashtagStreamOptions o;
  o.transform.output_size = size;
  o.num_classes = 6;
  o.threads = threads;
  o.seed = 11;
  return o;
}

train::StreamSpec make_spec(int rank, int world, int64_t accumulation, int64_t global_batch,
                            int64_t epoch, train::LoaderPosition start = {}) {
  train::StreamSpec spec;
  spec.rank = rank;
  spec.world_size = world;
  spec.global_batch = global_batch;
  spec.accumulation = accumulation;
  spec.micro_batch = global_batch / (world * accumulation);
  spec.samples_per_epoch = epoch;
  spec.start = start;
  return spec;
}

// One optimizer step as all ranks see it: sample indices and images in slice order.
struct Step {
  std::vector<int64_t> indices;
  at::Tensor images;
};

std::vector<Step> read_steps(std::shared_ptr<const data::ShardSet> set,
                             const data::EpochOrder& order, int world, int64_t accumulation,
                             int64_t steps, train::LoaderPosition start = {}, int threads = 2) {
  const int64_t global_batch = 8;
  std::vector<std::unique_ptr<HashtagStream>> streams;
  for (int r = 0; r < world; ++r) {
    streams.push_back(std::make_unique<HashtagStream>(
        set, order,
        make_spec(r, world, accumulation, global_batch, static_cast<int64_t>(order.epoch_length()),
                  start),
        stream_options(threads)));
  }
  std::vector<Step> out;
  for (int64_t s = 0; s < steps; ++s) {
    // Micro-batch (m, r) covers slice m * world + r: collect in that order.
    std::vector<train::Batch> parts(world * accumulation);
    for (int64_t m = 0; m < accumulation; ++m) {
      for (int r = 0; r < world; ++r) parts[m * world + r] = streams[r]->next();
    }
    Step step;
    std::vector<at::Tensor> images;
    for (const auto& part : parts) {
      const at::Tensor idx = part.at("sample_index");
      for (int64_t i = 0; i < part.size; ++i) step.indices.push_back(idx[i].item<int64_t>());
      images.push_back(part.at("images"));
    }
    step.images = at::cat(images);
    out.push_back(std::move(step));
  }
  return out;
}

TEST(HashtagStream, OneAndTwoRanksWithAccumulationReadTheSameSamplesPerStep) {
  TempDir tmp;
  auto set = write_set(tmp.path(), cyclic_labels(44));
  const data::EpochOrder order(44, 5);
  // 44 samples, global batch 8: 5 steps per epoch; 12 steps cross two epoch ends.
  const std::vector<Step> one = read_steps(set, order, 1, 1, 12);
  for (auto [world, accumulation] : {std::pair{2, 1}, {1, 2}, {2, 2}, {4, 2}}) {
    const std::vector<Step> other = read_steps(set, order, world, accumulation, 12);
    for (size_t s = 0; s < one.size(); ++s) {
      EXPECT_EQ(other[s].indices, one[s].indices)
          << world << " ranks x " << accumulation << " micro-steps, step " << s;
      EXPECT_TRUE(at::equal(other[s].images, one[s].images)) << "step " << s;
    }
  }
}

TEST(HashtagStream, EveryMicroBatchIsTheTrainersSlice) {
  TempDir tmp;
  auto set = write_set(tmp.path(), cyclic_labels(30));
  const data::EpochOrder order(30, 9);
  const train::StreamSpec spec = make_spec(1, 2, 2, 8, 30, {0, 8});
  HashtagStream stream(set, order, spec, stream_options(0));
  for (int64_t b = 0; b < 7; ++b) {
    for (int64_t m = 0; m < 2; ++m) {
      const train::Batch batch = stream.next();
      const train::SampleSlice slice = train::slice_for(spec, b, m);
      ASSERT_EQ(batch.size, slice.count);
      EXPECT_LT(slice.first + slice.count, 30 - 30 % 8 + 1) << "drop-last epoch end";
      for (int64_t i = 0; i < batch.size; ++i) {
        EXPECT_EQ(batch.at("sample_index")[i].item<int64_t>(),
                  static_cast<int64_t>(order.sample_at(slice.epoch, slice.first + i)))
            << "batch " << b << " micro-step " << m;
      }
    }
  }
}

TEST(HashtagStream, ResumeAtACheckpointedPositionContinuesExactly) {
  TempDir tmp;
  auto set = write_set(tmp.path(), cyclic_labels(44));
  const data::EpochOrder order(44, 5);
  const std::vector<Step> full = read_steps(set, order, 1, 1, 13);
  // Resume after 3 steps (mid-epoch) and after 7 (mid second epoch), on 2 ranks.
  for (int64_t done : {3, 7}) {
    train::LoaderPosition position;
    for (int64_t s = 0; s < done; ++s) position = train::advance(position, 8, 44);
    const std::vector<Step> rest = read_steps(set, order, 2, 1, 13 - done, position);
    for (size_t s = 0; s < rest.size(); ++s) {
      EXPECT_EQ(rest[s].indices, full[done + s].indices) << "resumed after " << done;
      EXPECT_TRUE(at::equal(rest[s].images, full[done + s].images));
    }
  }
}

// data.exclude: with a quarter of the set excluded, no step of the natural or the sqrt order
// yields an excluded record, one rank and two ranks with accumulation read the same samples,
// and a stream resumed mid-epoch continues exactly.
TEST(HashtagStream, ExcludedRecordsAreNeverReadAndAResumeContinuesExactly) {
  TempDir tmp;
  const auto labels = cyclic_labels(48);
  auto set = write_set(tmp.path(), labels);
  std::vector<uint64_t> left_out;
  for (uint64_t i = 1; i < 48; i += 4) left_out.push_back(i);
  const auto excluded = std::make_shared<const data::ExcludedRecords>(left_out, set->shard_sizes());
  const ResamplingSummary summary = ResamplingSummary::compute(*set, 6, 2, excluded.get());
  for (const Resampling mode : {Resampling::kNatural, Resampling::kSquareRoot}) {
    const data::EpochOrder order =
        hashtag_epoch_order(set, &summary, mode, 9, 48 - left_out.size(), 0, excluded);
    const std::vector<Step> one = read_steps(set, order, 1, 1, 10);
    for (const Step& step : one) {
      for (int64_t index : step.indices) {
        ASSERT_FALSE(excluded->contains(static_cast<uint64_t>(index))) << to_string(mode);
      }
    }
    const std::vector<Step> two = read_steps(set, order, 2, 2, 10);
    train::LoaderPosition position;
    for (int s = 0; s < 3; ++s) position = train::advance(position, 8, order.epoch_length());
    const std::vector<Step> rest = read_steps(set, order, 2, 1, 7, position);
    for (size_t s = 0; s < one.size(); ++s) {
      EXPECT_EQ(two[s].indices, one[s].indices) << to_string(mode) << " step " << s;
      if (s >= 3) {
        EXPECT_EQ(rest[s - 3].indices, one[s].indices) << to_string(mode) << " step " << s;
        EXPECT_TRUE(at::equal(rest[s - 3].images, one[s].images));
      }
    }
  }
}

// The two-step (per-shard) sqrt order with runs from one shard, through 2 and 4 ranks with
// accumulation and a resume mid-epoch: the same samples and images as one rank.
TEST(HashtagStream, TwoStepResampledOrderIsTheSameOnAnyWorldSizeAndResumesExactly) {
  TempDir tmp;
  auto labels = cyclic_labels(60);
  auto set = write_set(tmp.path(), labels);
  const ResamplingSummary summary = ResamplingSummary::compute(*set, 6, 2);
  const data::EpochOrder order =
      hashtag_epoch_order(set, &summary, Resampling::kSquareRoot, 3, 48, 4);
  const std::vector<Step> one = read_steps(set, order, 1, 1, 9);
  for (auto [world, accumulation] : {std::pair{2, 1}, {2, 2}, {4, 2}}) {
    const std::vector<Step> other = read_steps(set, order, world, accumulation, 9);
    for (size_t s = 0; s < one.size(); ++s) {
      EXPECT_EQ(other[s].indices, one[s].indices)
          << world << " x " << accumulation << " step " << s;
      EXPECT_TRUE(at::equal(other[s].images, one[s].images)) << "step " << s;
    }
  }
  train::LoaderPosition position;
  for (int s = 0; s < 4; ++s) position = train::advance(position, 8, 48);
  const std::vector<Step> rest = read_steps(set, order, 2, 1, 5, position);
  for (size_t s = 0; s < rest.size(); ++s) {
    EXPECT_EQ(rest[s].indices, one[4 + s].indices) << "resumed, step " << 4 + s;
    EXPECT_TRUE(at::equal(rest[s].images, one[4 + s].images));
  }
}

TEST(HashtagStream, ThreadCountDoesNotChangeBatches) {
  TempDir tmp;
  auto set = write_set(tmp.path(), cyclic_labels(24));
  const data::EpochOrder order(24, 2);
  const std::vector<Step> inline_steps = read_steps(set, order, 1, 1, 6, {}, 0);
  const std::vector<Step> threaded = read_steps(set, order, 1, 1, 6, {}, 4);
  for (size_t s = 0; s < inline_steps.size(); ++s) {
    EXPECT_EQ(threaded[s].indices, inline_steps[s].indices);
    EXPECT_TRUE(at::equal(threaded[s].images, inline_steps[s].images));
  }
}

TEST(HashtagStream, TargetsAreKHotOverK) {
  TempDir tmp;
  auto labels = cyclic_labels(16);
  auto set = write_set(tmp.path(), labels);
  const data::EpochOrder order(16, 1);
  HashtagStream stream(set, order, make_spec(0, 1, 1, 8, 16), stream_options(1));
  const train::Batch batch = stream.next();
  const at::Tensor targets = batch.at("targets");
  for (int64_t i = 0; i < batch.size; ++i) {
    const auto& ids = labels[batch.at("sample_index")[i].item<int64_t>()];
    EXPECT_NEAR(targets[i].sum().item<double>(), 1.0, 1e-6);
    for (int32_t id : ids) EXPECT_NEAR(targets[i][id].item<double>(), 1.0 / ids.size(), 1e-6);
  }
}

TEST(HashtagStream, SquareRootResamplingDrawsHashtagsAtTheExpectedFrequencies) {
  TempDir tmp;
  // Skewed classes: 32, 16, 8 and 4 images (the last 4 also carry class 0).
  std::vector<std::vector<int32_t>> labels;
  for (int c = 0, n = 32; c < 4; ++c, n /= 2) {
    for (int i = 0; i < n; ++i)
      labels.push_back(c == 3 ? std::vector<int32_t>{3, 0} : std::vector<int32_t>{c});
  }
  auto set = write_set(tmp.path(), labels);
  const std::vector<uint64_t> counts = class_counts(labels, 6);
  const std::vector<double> weights = resampling_weights(labels, counts, Resampling::kSquareRoot);
  const std::vector<double> expected = expected_class_frequencies(labels, weights, 6);
  const data::EpochOrder order = data::EpochOrder::weighted(weights, 4, labels.size());
  HashtagStream stream(set, order, make_spec(0, 1, 1, 60, labels.size()), stream_options(2, 4));
  std::vector<double> drawn(6, 0.0);
  double images = 0;
  for (int step = 0; step < 100; ++step) {  // 6,000 draws
    const train::Batch batch = stream.next();
    const at::Tensor carries = batch.at("targets").gt(0).sum(0).to(at::kDouble);
    for (int c = 0; c < 6; ++c) drawn[c] += carries[c].item<double>();
    images += batch.size;
  }
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(drawn[c] / images, expected[c], 0.025) << "class " << c;
  }
  // Square-root flattens the natural frequencies: class 0 has 60% of the images but is drawn
  // less often, class 2 (13%) more often.
  EXPECT_LT(drawn[0] / images, 0.55);
  EXPECT_GT(drawn[2] / images, 0.15);
}

TEST(HashtagStream, AnEpochOrderOfAnotherLengthIsAnError) {
  TempDir tmp;
  auto set = write_set(tmp.path(), cyclic_labels(16));
  EXPECT_THROW(
      HashtagStream(set, data::EpochOrder(16, 1), make_spec(0, 1, 1, 8, 20), stream_options(0)),
      Error);
}

}  // namespace
}  // namespace ptk::vision
