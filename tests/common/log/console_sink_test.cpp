#include "common/log/console_sink.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "common/log/logging.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

TEST(FormatEta, WritesHoursMinutesSeconds) {
  EXPECT_EQ(format_eta(0), "0:00:00");
  EXPECT_EQ(format_eta(59.4), "0:00:59");
  EXPECT_EQ(format_eta(59.6), "0:01:00");
  EXPECT_EQ(format_eta(3725), "1:02:05");
  EXPECT_EQ(format_eta(36000 + 59 * 60 + 59), "10:59:59");
  EXPECT_EQ(format_eta(90000), "25:00:00");
}

TEST(FormatEta, UnknownDurationIsPlaceholder) {
  EXPECT_EQ(format_eta(-1), "?:??:??");
  EXPECT_EQ(format_eta(std::nan("")), "?:??:??");
  EXPECT_EQ(format_eta(INFINITY), "?:??:??");
}

TEST(ConsoleSink, LineShowsStepLossLrRateEtaThenOtherScalars) {
  const ConsoleSink sink(1000);
  // 900 steps left at 10 steps/s: 90 s.
  EXPECT_EQ(
      sink.format_line(
          100, {{"top1", 0.41234}, {"loss", 2.34567}, {"samples_per_sec", 2480.31}, {"lr", 0.001}},
          10.0),
      "step 100/1000 | loss 2.3457 | lr 1.000e-03 | 2480.3 samples/s | eta 0:01:30 | "
      "top1 0.4123");
}

TEST(ConsoleSink, EtaCountsRemainingStepsAtMeasuredRate) {
  const ConsoleSink sink(90000);
  EXPECT_EQ(sink.format_line(0, {}, 2.0), "step 0/90000 | eta 12:30:00");
  EXPECT_EQ(sink.format_line(89999, {}, 2.0), "step 89999/90000 | eta 0:00:01");
  EXPECT_EQ(sink.format_line(90000, {}, 2.0), "step 90000/90000 | eta 0:00:00");
}

TEST(ConsoleSink, WritersEtaIsShownOnceAsTheEta) {
  const ConsoleSink sink(1000);
  // The writer's own estimate wins over the sink's rate, and is not repeated as a scalar.
  EXPECT_EQ(sink.format_line(100, {{"loss", 2.0}, {"eta_s", 3725.0}, {"epoch", 3.0}}, 10.0),
            "step 100/1000 | loss 2.0000 | eta 1:02:05 | epoch 3");
}

TEST(ConsoleSink, NoEtaWithoutTotalOrRate) {
  EXPECT_EQ(ConsoleSink(0).format_line(5, {{"loss", 1.0}}, 3.0), "step 5 | loss 1.0000");
  EXPECT_EQ(ConsoleSink(10).format_line(5, {{"loss", 1.0}}, 0.0), "step 5/10 | loss 1.0000");
}

TEST(ConsoleSink, WritesThroughDefaultLoggerWithMeasuredEta) {
  testing::TempDir tmp;
  const std::string log = tmp.file("train.log");
  setup_logging(0, LogOptions{"info", false, log});
  ConsoleSink sink(1000);
  sink.write(1, {{"loss", 4.0}});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sink.write(2, {{"loss", 3.5}});
  sink.flush();
  const std::string text = testing::read_file(log);
  EXPECT_NE(text.find("[rank 0] [info] step 1/1000 | loss 4.0000\n"), std::string::npos) << text;
  // 100 ms or more between the writes: at most 10 steps/s, so 998 steps need >= 99.8 s; a
  // machine slower than 5 s for the sleep would be broken, so also <= 998 * 5 s.
  const std::string marker = "step 2/1000 | loss 3.5000 | eta ";
  const size_t at = text.find(marker);
  ASSERT_NE(at, std::string::npos) << text;
  int h = -1, m = -1, s = -1;
  ASSERT_EQ(std::sscanf(text.c_str() + at + marker.size(), "%d:%d:%d", &h, &m, &s), 3) << text;
  const int seconds = h * 3600 + m * 60 + s;
  EXPECT_GE(seconds, 99) << text;
  EXPECT_LE(seconds, 998 * 5) << text;
  setup_logging(0, LogOptions{});
}

}  // namespace
}  // namespace ptk::log
