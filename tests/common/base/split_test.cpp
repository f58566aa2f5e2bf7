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

TEST(ForEachLine, NumbersLinesDropsCarriageReturnsAndKeepsOffsets) {
  std::vector<std::string> lines;
  std::vector<uint64_t> numbers;
  std::vector<size_t> offsets;
  for_each_line("a\r\n\nbc\nlast", [&](uint64_t number, size_t offset, std::string_view line) {
    numbers.push_back(number);
    offsets.push_back(offset);
    lines.emplace_back(line);
  });
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "bc", "last"}));
  EXPECT_EQ(numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(offsets, (std::vector<size_t>{0, 3, 4, 7}));
  int calls = 0;
  for_each_line("one\n", [&](uint64_t, size_t, std::string_view) { ++calls; });
  EXPECT_EQ(calls, 1);  // a final newline ends the last line; it starts no empty one
}

}  // namespace
}  // namespace ptk
