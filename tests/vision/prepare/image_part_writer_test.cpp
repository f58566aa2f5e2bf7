#include "vision/prepare/image_part_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace ptk::vision {
namespace {

TEST(ImagePartWriter, ValidationSplitIsAStableFunctionOfTheKeyAndFraction) {
  EXPECT_FALSE(is_validation_key("any key", 0.0));
  int held_out = 0;
  const int keys = 20000;
  for (int i = 0; i < keys; ++i) {
    const std::string key = "images/" + std::to_string(i) + ".jpg";
    const bool val = is_validation_key(key, 0.1);
    EXPECT_EQ(is_validation_key(key, 0.1), val);
    // A larger fraction keeps every key a smaller one held out.
    if (val) EXPECT_TRUE(is_validation_key(key, 0.3));
    held_out += val ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(held_out) / keys, 0.1, 0.01);
}

}  // namespace
}  // namespace ptk::vision
