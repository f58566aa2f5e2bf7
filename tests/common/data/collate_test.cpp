#include "common/data/collate.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::data {
namespace {

TEST(Collate, TokensArePaddedAndTruncatedToTheLength) {
  const at::Tensor t = collate_tokens({{1, 2, 3}, {4}, {5, 6, 7, 8, 9}}, 4, 0);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 4}));
  const std::vector<int64_t> expected = {1, 2, 3, 0, 4, 0, 0, 0, 5, 6, 7, 8};
  const int64_t* data = t.data_ptr<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(data, data + 12), expected);
}

TEST(Collate, FloatSamplesStackWithTheirShape) {
  const at::Tensor t = collate_floats({{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}, {3, 2});
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(t.data_ptr<float>()[7], 8.0f);
  EXPECT_THROW(collate_floats({{1, 2}}, {3}), Error);
}

}  // namespace
}  // namespace ptk::data
