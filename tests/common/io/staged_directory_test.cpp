// StagedDirectory: the old contents stay whole until commit() swaps in the new ones, and a
// build that never commits leaves nothing behind.
#include "common/io/staged_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ptk::io {
namespace {

namespace fs = std::filesystem;

class StagedDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ptk-staged-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    target_ = root_ + "/out";
    fs::create_directories(target_);
    std::ofstream(target_ + "/old.txt") << "old";
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string root_, target_;
};

TEST_F(StagedDirectoryTest, CommitReplacesTheWholeDirectory) {
  StagedDirectory staged(target_);
  EXPECT_NE(staged.path(), target_);
  EXPECT_EQ(fs::path(staged.path()).parent_path(), fs::path(root_));
  std::ofstream(staged.path() + "/new.txt") << "new";
  EXPECT_EQ(read(target_ + "/old.txt"), "old");  // untouched while building
  staged.commit();
  EXPECT_EQ(read(target_ + "/new.txt"), "new");
  EXPECT_FALSE(fs::exists(target_ + "/old.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(root_), fs::directory_iterator()), 1);
}

TEST_F(StagedDirectoryTest, WithoutCommitTheOldContentsStayAndTheStagingGoes) {
  std::string staging;
  {
    StagedDirectory staged(target_ + "/");  // a trailing slash names the same directory
    staging = staged.path();
    std::ofstream(staging + "/half.txt") << "half";
  }
  EXPECT_FALSE(fs::exists(staging));
  EXPECT_EQ(read(target_ + "/old.txt"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(root_), fs::directory_iterator()), 1);
}

TEST_F(StagedDirectoryTest, ANewTargetIsCreatedOnCommit) {
  StagedDirectory staged(root_ + "/fresh");
  std::ofstream(staged.path() + "/a.txt") << "a";
  staged.commit();
  EXPECT_EQ(read(root_ + "/fresh/a.txt"), "a");
}

}  // namespace
}  // namespace ptk::io
