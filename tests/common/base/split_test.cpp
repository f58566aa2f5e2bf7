#include "common/base/split.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ptk {
namespace {

TEST(Split, KeepsEmptyFieldsSoColumnsStayInPlace) {
  EXPECT_EQ(split_copies("a\t\tb", '\t'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_copies("\ta\t", '\t'), (std::vector<std::string>{"", "a", ""}));
  EXPECT_EQ(split_copies("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split_copies("one", ','), (std::vector<std::string>{"one"}));
}

TEST(Split, ViewsPointIntoTheText) {
  const std::string line = "key,#tag1,#tag2";
  const std::vector<std::string_view> fields = split(line, ',');
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1], "#tag1");
  EXPECT_EQ(fields[2].data(), line.data() + 10);
}

}  // namespace
}  // namespace ptk
