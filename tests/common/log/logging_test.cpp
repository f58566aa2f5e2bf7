#include "common/log/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <regex>

#include "common/base/error.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

using testing::read_file;
using testing::TempDir;

// Each test installs its own logger; put back a plain console one so nothing keeps the
// temporary files open once the test is over.
class Logging : public ::testing::Test {
 protected:
  void TearDown() override { setup_logging(0, LogOptions{}); }

  // Logs one line at each level.
  static void log_all_levels(const std::string& tag) {
    spdlog::debug("{} debug line", tag);
    spdlog::info("{} info line", tag);
    spdlog::warn("{} warn line", tag);
    spdlog::error("{} error line", tag);
    spdlog::default_logger_raw()->flush();
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  TempDir tmp_;
};

TEST_F(Logging, RankZeroWritesInfoWithTimestampAndRankPrefix) {
  const std::string file = tmp_.file("train.log");
  setup_logging(0, LogOptions{"info", false, file});
  log_all_levels("r0");
  const std::string text = read_file(file);
  EXPECT_FALSE(contains(text, "r0 debug line")) << text;
  EXPECT_TRUE(std::regex_search(
      text, std::regex(R"(^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] \[rank 0\] \[info\] )"
                       R"(r0 info line\n)")))
      << text;
  EXPECT_TRUE(contains(text, "[rank 0] [warning] r0 warn line\n")) << text;
  EXPECT_TRUE(contains(text, "[rank 0] [error] r0 error line\n")) << text;
}

TEST_F(Logging, OtherRanksShowOnlyWarningsAndErrorsByDefault) {
  const std::string file = tmp_.file("train.log");
  setup_logging(1, LogOptions{"info", false, file});
  log_all_levels("r1");
  EXPECT_FALSE(std::filesystem::exists(file));
  const std::string text = read_file(file + ".rank1");
  EXPECT_FALSE(contains(text, "r1 info line")) << text;
  EXPECT_TRUE(contains(text, "[rank 1] [warning] r1 warn line\n")) << text;
  EXPECT_TRUE(contains(text, "[rank 1] [error] r1 error line\n")) << text;
}

TEST_F(Logging, AllRanksShowsTheLevelOnEveryRank) {
  const std::string file = tmp_.file("train.log");
  setup_logging(3, LogOptions{"debug", true, file});
  log_all_levels("r3");
  const std::string text = read_file(file + ".rank3");
  EXPECT_TRUE(contains(text, "[rank 3] [debug] r3 debug line\n")) << text;
  EXPECT_TRUE(contains(text, "[rank 3] [info] r3 info line\n")) << text;
}

TEST_F(Logging, StricterLevelAppliesToRankZeroToo) {
  const std::string file = tmp_.file("train.log");
  setup_logging(0, LogOptions{"error", false, file});
  log_all_levels("r0");
  const std::string text = read_file(file);
  EXPECT_FALSE(contains(text, "warn line")) << text;
  EXPECT_TRUE(contains(text, "r0 error line")) << text;
}

TEST_F(Logging, ResumedRunAppendsToItsLogFile) {
  const std::string file = tmp_.file("train.log");
  setup_logging(0, LogOptions{"info", false, file});
  spdlog::info("first run");
  setup_logging(0, LogOptions{"info", false, file});
  spdlog::info("second run");
  spdlog::default_logger_raw()->flush();
  const std::string text = read_file(file);
  EXPECT_TRUE(contains(text, "first run")) << text;
  EXPECT_TRUE(contains(text, "second run")) << text;
}

TEST_F(Logging, InvalidLevelIsUsageErrorNamingValueAndValidLevels) {
  try {
    setup_logging(0, LogOptions{"verbose", false, ""});
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "'verbose'")) << what;
    for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
      EXPECT_TRUE(contains(what, level)) << what;
    }
  }
}

TEST_F(Logging, UnopenableLogFileIsErrorNamingIt) {
  testing::write_file(tmp_.file("plain_file"), "x");
  const std::string file = tmp_.file("plain_file") + "/train.log";
  try {
    setup_logging(2, LogOptions{"info", false, file});
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), file + ".rank2")) << e.what();
  }
}

TEST(LogFileForRank, RankZeroKeepsNameOthersGetSuffix) {
  EXPECT_EQ(log_file_for_rank("run/train.log", 0), "run/train.log");
  EXPECT_EQ(log_file_for_rank("run/train.log", 7), "run/train.log.rank7");
}

}  // namespace
}  // namespace ptk::log
