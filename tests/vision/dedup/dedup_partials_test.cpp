// The files through which dedup's ranks hand over their work: exact round trips (keys with tabs
// and backslashes, similarities to the last bit) and errors that name a damaged file.
#include "vision/dedup/dedup_partials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class DedupPartials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ptk_dedup_partials_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DedupPartials, FindingsComeBackExactly) {
  RankFindings findings;
  findings.records = 12345;
  findings.histogram = {0, 3, 7, 11};
  findings.duplicates.push_back(
      {"a\tkey\\with\\ttabs", 4, "shard-00004.h5", 17, 9, 0.97123456789f, true});
  findings.duplicates.push_back({"plain.jpg", 0, "shard-00000.h5", 0, 0, 1.0f, false});
  findings.unreadable.push_back({"shard-00001.h5", "bad\nkey", "not a JPEG:\tbroken"});
  write_findings(dir_.string(), 3, findings);
  const RankFindings back = read_findings(dir_.string(), 3);
  EXPECT_EQ(back.records, findings.records);
  EXPECT_EQ(back.histogram, findings.histogram);
  ASSERT_EQ(back.duplicates.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Duplicate& a = findings.duplicates[i];
    const Duplicate& b = back.duplicates[i];
    EXPECT_EQ(b.key, a.key);
    EXPECT_EQ(b.shard_position, a.shard_position);
    EXPECT_EQ(b.shard, a.shard);
    EXPECT_EQ(b.index, a.index);
    EXPECT_EQ(b.eval_image, a.eval_image);
    EXPECT_EQ(b.similarity, a.similarity);  // bit for bit
    EXPECT_EQ(b.flipped, a.flipped);
  }
  ASSERT_EQ(back.unreadable.size(), 1u);
  EXPECT_EQ(back.unreadable[0].name, "bad\nkey");
  EXPECT_EQ(back.unreadable[0].error, "not a JPEG:\tbroken");
}

TEST_F(DedupPartials, AnEvaluationSliceComesBackWithItsErrors) {
  Embeddings slice;
  slice.rows = {0.25f, -0.5f, 0.0f, 0.0f, 1.0f / 3.0f, 2.0f / 3.0f};
  slice.errors = {"", "eval/x.jpg: not an image", ""};
  write_eval_slice(dir_.string(), 1, slice);
  const Embeddings back = read_eval_slice(dir_.string(), 1, 3, 2);
  EXPECT_EQ(back.rows, slice.rows);
  EXPECT_EQ(back.errors, slice.errors);
}

TEST_F(DedupPartials, ASliceOfTheWrongSizeNamesItsFile) {
  Embeddings slice;
  slice.rows = {1.0f, 2.0f};
  slice.errors = {""};
  write_eval_slice(dir_.string(), 0, slice);
  try {
    read_eval_slice(dir_.string(), 0, 2, 2);
    FAIL() << "a short slice was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eval-0.f32"), std::string::npos) << e.what();
  }
}

TEST_F(DedupPartials, ADamagedFindingsLineNamesItsFile) {
  std::ofstream(dir_ / "findings-2.tsv") << "records\t5\nduplicate\tnot-a-number\n";
  try {
    read_findings(dir_.string(), 2);
    FAIL() << "a damaged file was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("findings-2.tsv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::vision
