#include "vision/prepare/part_report.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

PartReport sample_report() {
  PartReport report;
  report.lines = 12;
  report.records = 10;
  report.malformed = 1;
  report.no_class = 2;
  report.train_images = 6;
  report.val_images = 1;
  report.recoded = 3;
  report.bytes_read = 4096;
  report.bytes_stored = 2048;
  report.labels = 9;
  report.hashtags = 20;
  report.hashtags_not_in_wordnet = 4;
  report.bad_images.push_back({7, "img/7.jpg", "not an image: tab\there"});
  report.malformed_examples = {"line 3: no image"};
  report.train.shards.push_back({"part-00003-00000.h5", 6, 1000, 0x1234abcdu});
  return report;
}

TEST(PartReport, DoneMarkerRoundTripsCountsBadImagesAndShards) {
  const PartReport report = sample_report();
  const PartReport back = PartReport::parse(report.to_yaml(), "done/part-00003");
  EXPECT_EQ(back.lines, 12u);
  EXPECT_EQ(back.records, 10u);
  EXPECT_EQ(back.train_images, 6u);
  EXPECT_EQ(back.bytes_stored, 2048u);
  EXPECT_EQ(back.hashtags_not_in_wordnet, 4u);
  ASSERT_EQ(back.bad_images.size(), 1u);
  EXPECT_EQ(back.bad_images[0].line, 7u);
  EXPECT_EQ(back.bad_images[0].image, "img/7.jpg");
  EXPECT_EQ(back.bad_images[0].problem, "not an image: tab\there");
  EXPECT_EQ(back.malformed_examples, report.malformed_examples);
  ASSERT_EQ(back.train.shards.size(), 1u);
  EXPECT_EQ(back.train.shards[0].file, "part-00003-00000.h5");
  EXPECT_EQ(back.train.shards[0].xxh64, 0x1234abcdu);
  EXPECT_TRUE(back.val.shards.empty());
}

TEST(PartReport, AddingCountsSumsCountersButNotShardsOrBadImages) {
  PartReport total = sample_report();
  total.add_counts(sample_report());
  EXPECT_EQ(total.records, 20u);
  EXPECT_EQ(total.labels, 18u);
  EXPECT_EQ(total.bad_images.size(), 1u);
  EXPECT_EQ(total.train.shards.size(), 1u);
  EXPECT_EQ(total.malformed_examples.size(), 2u);
}

TEST(PartReport, AMarkerWithoutACounterIsAnErrorNamingIt) {
  try {
    PartReport::parse("records: 3\n", "done/part-00001");
    FAIL() << "parsed a marker without its counters";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("done/part-00001"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::vision
