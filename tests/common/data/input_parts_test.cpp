// Input parts: every line of every file belongs to exactly one part, in order, whatever the
// cut points; the plan depends only on sizes and the part count; ranks get disjoint parts.
#include "common/data/input_parts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "tests/common/io/test_dir.h"

namespace ptk::data {
namespace {

using io::testing::TestDir;

std::vector<std::string> lines_of(const std::vector<InputPart>& plan) {
  std::vector<std::string> lines;
  for (const auto& part : plan) {
    PartLineReader reader(part);
    std::string line;
    uint64_t in_part = 0;
    while (reader.next(line)) {
      EXPECT_EQ(reader.line_in_part(), ++in_part);
      EXPECT_GE(reader.line_offset(), part.begin);
      EXPECT_LT(reader.line_offset(), part.end);
      lines.push_back(line);
    }
  }
  return lines;
}

// Lines of random length (some empty, some longer than a part), with or without a final '\n'.
std::vector<std::string> write_random_file(const std::string& path, uint32_t seed,
                                           bool final_newline) {
  std::mt19937 rng(seed);
  std::vector<std::string> lines;
  std::ofstream out(path, std::ios::binary);
  const int n = 50 + static_cast<int>(rng() % 100);
  for (int i = 0; i < n; ++i) {
    const size_t length = rng() % 7 == 0 ? 300 : rng() % 40;
    std::string line(length, static_cast<char>('a' + rng() % 26));
    line += std::to_string(i);
    lines.push_back(line);
    out << line;
    if (i + 1 < n || final_newline) out << '\n';
  }
  return lines;
}

TEST(InputParts, EveryLineBelongsToExactlyOnePartInOrderForAnyPartCount) {
  TestDir dir;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const std::string path = dir.file("input" + std::to_string(seed) + ".txt");
    const std::vector<std::string> expected = write_random_file(path, seed, seed % 2 == 0);
    for (int64_t parts : {1, 2, 3, 7, 16, 64, 5000}) {
      const auto plan = plan_input_parts({path}, parts);
      EXPECT_EQ(lines_of(plan), expected) << "seed " << seed << ", " << parts << " parts";
    }
  }
}

TEST(InputParts, FilesGetPartsInProportionToTheirSizeAndWholeFilesWhenMany) {
  TestDir dir;
  std::ofstream(dir.file("big.txt")) << std::string(3000, 'x') << '\n';
  std::ofstream(dir.file("small.txt")) << std::string(999, 'y') << '\n';
  std::ofstream(dir.file("empty.txt"));
  const auto plan = plan_input_parts({dir.file("big.txt"), dir.file("small.txt")}, 4);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].file, dir.file("big.txt"));
  EXPECT_EQ(plan[2].file, dir.file("big.txt"));
  EXPECT_EQ(plan[3].file, dir.file("small.txt"));
  EXPECT_EQ(plan[3].begin, 0u);
  EXPECT_EQ(plan[3].end, 1000u);
  for (size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].index, static_cast<int64_t>(i));
  EXPECT_EQ(plan[1].name(), "part-00001");
  EXPECT_NE(plan[1].describe().find("bytes 1000-2000"), std::string::npos) << plan[1].describe();

  const auto whole =
      plan_input_parts({dir.file("big.txt"), dir.file("small.txt"), dir.file("empty.txt")}, 2);
  ASSERT_EQ(whole.size(), 3u) << "at least as many files as parts: one part per file";
  EXPECT_EQ(whole[2].begin, 0u);
  EXPECT_EQ(whole[2].end, 0u);
  EXPECT_TRUE(lines_of({whole[2]}).empty());
}

TEST(InputParts, RanksGetDisjointPartsThatCoverThePlan) {
  TestDir dir;
  std::ofstream(dir.file("a.txt")) << std::string(10000, 'a');
  const auto plan = plan_input_parts({dir.file("a.txt")}, 10);
  std::vector<int> owner(plan.size(), -1);
  for (int rank = 0; rank < 3; ++rank) {
    for (const auto& part : parts_of_rank(plan, rank, 3)) {
      EXPECT_EQ(owner[static_cast<size_t>(part.index)], -1);
      owner[static_cast<size_t>(part.index)] = rank;
    }
  }
  for (int o : owner) EXPECT_NE(o, -1);
}

TEST(InputParts, MissingFileAndZeroPartsAreErrors) {
  TestDir dir;
  try {
    plan_input_parts({dir.file("missing.jsonl")}, 2);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("a.txt")) << "x\n";
  EXPECT_THROW(plan_input_parts({dir.file("a.txt")}, 0), Error);
}

}  // namespace
}  // namespace ptk::data
