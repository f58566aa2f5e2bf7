#include "vision/hashtags/targets.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

TEST(Targets, SoftKHotSpreadsOneOverTheImagesClasses) {
  const auto rows = make_targets({{1, 3}, {0}, {2, 0, 3}}, 4, TargetKind::kSoftKHot);
  const std::vector<float> expected = {0,        0.5f, 0,        0.5f,  //
                                       1,        0,    0,        0,     //
                                       1.0f / 3, 0,    1.0f / 3, 1.0f / 3};
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_FLOAT_EQ(rows[i], expected[i]) << i;
}

TEST(Targets, KHotSetsOnesForThePerClassSigmoid) {
  const auto rows = make_targets({{1, 3}, {}}, 4, TargetKind::kKHot);
  EXPECT_EQ(rows, (std::vector<float>{0, 1, 0, 1, 0, 0, 0, 0}));
}

TEST(Targets, DuplicateIdsCountOnce) {
  const auto rows = make_targets({{2, 2, 0}}, 3, TargetKind::kSoftKHot);
  EXPECT_EQ(rows, (std::vector<float>{0.5f, 0, 0.5f}));
}

TEST(Targets, IdOutsideTheVocabularyIsAnError) {
  EXPECT_THROW(make_targets({{4}}, 4, TargetKind::kKHot), Error);
  EXPECT_THROW(make_targets({{-1}}, 4, TargetKind::kSoftKHot), Error);
  EXPECT_EQ(parse_target_kind("softmax"), TargetKind::kSoftKHot);
  EXPECT_EQ(parse_target_kind("sigmoid"), TargetKind::kKHot);
  EXPECT_THROW(parse_target_kind("hinge"), Error);
}

}  // namespace
}  // namespace ptk::vision
