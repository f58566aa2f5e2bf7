#include "common/log/metric_logger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "common/log/jsonl_sink.h"
#include "common/log/logging.h"
#include "tests/common/log/event_file_reader.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find("tfevents") != std::string::npos) {
      files.push_back(entry.path());
    }
  }
  return files;
}

TEST(MetricLogger, RankZeroRunWritesConsoleJsonlAndTensorBoard) {
  TempDir tmp;
  const fs::path run = tmp.path() / "run";
  setup_logging(0, LogOptions{"info", false, (tmp.path() / "train.log").string()});
  {
    MetricLogger logger = MetricLogger::for_run(run.string(), 0, 100);
    EXPECT_EQ(logger.num_sinks(), 3u);
    logger.write(10, {{"loss", 1.5}, {"lr", 0.1}});
    logger.write(20, {{"loss", 1.25}, {"lr", 0.1}});
    logger.flush();
  }
  setup_logging(0, LogOptions{});

  EXPECT_EQ(count_lines(read_file((run / "metrics.jsonl").string())), 2u);
  const auto files = event_files(run / "tensorboard");
  ASSERT_EQ(files.size(), 1u);
  const auto events = testing::read_event_file(read_file(files[0].string()));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].step, 20);
  EXPECT_EQ(events[2].values[0].second, 1.25f);
  const std::string log = read_file((tmp.path() / "train.log").string());
  EXPECT_NE(log.find("step 20/100 | loss 1.2500"), std::string::npos) << log;
}

TEST(MetricLogger, ResumedRunAppendsJsonlAndStartsNewEventFile) {
  TempDir tmp;
  const fs::path run = tmp.path() / "run";
  MetricLogger::for_run(run.string(), 0, 0).write(1, {{"loss", 2.0}});
  MetricLogger::for_run(run.string(), 0, 0).write(2, {{"loss", 1.0}});
  EXPECT_EQ(count_lines(read_file((run / "metrics.jsonl").string())), 2u);
  EXPECT_EQ(event_files(run / "tensorboard").size(), 2u);
}

TEST(MetricLogger, OtherRanksWriteNothing) {
  TempDir tmp;
  const fs::path run = tmp.path() / "run";
  MetricLogger logger = MetricLogger::for_run(run.string(), 1, 100);
  EXPECT_EQ(logger.num_sinks(), 0u);
  logger.write(1, {{"loss", 1.0}});
  logger.flush();
  EXPECT_FALSE(fs::exists(run));
}

TEST(MetricLogger, EveryAddedSinkReceivesEveryWrite) {
  TempDir tmp;
  MetricLogger logger;
  logger.add_sink(std::make_unique<JsonlSink>(tmp.file("a.jsonl")));
  logger.add_sink(std::make_unique<JsonlSink>(tmp.file("b.jsonl")));
  logger.write(1, {{"x", 1.0}});
  logger.write(2, {{"x", 2.0}});
  logger.flush();
  for (const char* name : {"a.jsonl", "b.jsonl"}) {
    const std::string text = read_file(tmp.file(name));
    EXPECT_EQ(count_lines(text), 2u) << name;
    EXPECT_NE(text.find("{\"step\": 2, "), std::string::npos) << text;
    EXPECT_NE(text.find(", \"x\": 2}"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace ptk::log
