// ResumableDirectory: work survives in <target>.partial between runs, markers say what is
// done, another job's options are refused, and commit swaps the finished folder in.
#include "common/io/resumable_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/error.h"
#include "tests/common/io/test_dir.h"

namespace ptk::io {
namespace {

namespace fs = std::filesystem;
using testing::TestDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ResumableDirectory, MarkersSurviveAReopenWithTheSameFingerprint) {
  TestDir dir;
  const std::string target = dir.file("out");
  {
    ResumableDirectory job(target, "parts: 4\n", true);
    EXPECT_EQ(job.path(), target + ".partial");
    EXPECT_FALSE(job.done("part-00000"));
    job.mark_done("part-00000", "records: 12\n");
    std::ofstream(job.path() + "/shard.h5") << "bytes";
  }  // the process dies here: nothing is removed
  ResumableDirectory again(target, "parts: 4\n", false);
  EXPECT_TRUE(again.done("part-00000"));
  EXPECT_FALSE(again.done("part-00001"));
  EXPECT_EQ(again.read("part-00000"), "records: 12\n");
  EXPECT_TRUE(fs::exists(again.path() + "/shard.h5"));
}

TEST(ResumableDirectory, OtherOptionsAreRefusedWithTheFolderAndTheDifference) {
  TestDir dir;
  ResumableDirectory job(dir.file("out"), "parts: 4\nresize: 0\n", true);
  job.mark_done("part-00000", "x");
  try {
    ResumableDirectory other(dir.file("out"), "parts: 4\nresize: 256\n", true);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(dir.file("out.partial")), std::string::npos) << message;
    EXPECT_NE(message.find("resize: 256"), std::string::npos) << message;
    EXPECT_NE(message.find("remove that folder"), std::string::npos) << message;
  }
  EXPECT_TRUE(job.done("part-00000")) << "the refused run must not touch the job";
}

TEST(ResumableDirectory, OpeningWithoutCreatingNeedsTheFolder) {
  TestDir dir;
  EXPECT_THROW(ResumableDirectory(dir.file("out"), "x", false), Error);
}

TEST(ResumableDirectory, CommitReplacesTheTargetAndDropsTheMarkers) {
  TestDir dir;
  const std::string target = dir.file("out");
  fs::create_directories(target);
  std::ofstream(target + "/old.txt") << "old";
  ResumableDirectory job(target, "fp", true);
  std::ofstream(job.path() + "/new.txt") << "new";
  job.mark_done("part-00000", "x");
  EXPECT_EQ(slurp(target + "/old.txt"), "old") << "the old output stays until the commit";
  job.commit();
  EXPECT_FALSE(fs::exists(target + ".partial"));
  EXPECT_FALSE(fs::exists(target + "/old.txt"));
  EXPECT_EQ(slurp(target + "/new.txt"), "new");
  EXPECT_FALSE(fs::exists(target + "/done"));
  EXPECT_FALSE(fs::exists(target + "/job.yaml"));
  // A new job over the committed output starts from nothing.
  ResumableDirectory next(target, "fp", true);
  EXPECT_FALSE(next.done("part-00000"));
}

}  // namespace
}  // namespace ptk::io
