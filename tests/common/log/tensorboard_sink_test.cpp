#include "common/log/tensorboard_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "common/base/error.h"
#include "tests/common/log/event_file_reader.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

using testing::read_event_file;
using testing::read_file;
using testing::TempDir;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(TensorBoardSink, EventFileDecodesToWrittenScalars) {
  TempDir tmp;
  const std::string dir = tmp.file("tb");
  const double before = now_seconds();
  std::string path;
  {
    TensorBoardSink sink(dir);
    path = sink.path();
    sink.write(10, {{"loss", 2.5}, {"lr", 1e-3}, {"train/top1", 0.125}});
    sink.write(20, {{"loss", 2.25}, {"lr", 2e-3}});
    sink.write(int64_t{1} << 40, {{"loss", std::nan("")}});
  }
  const double after = now_seconds();

  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(dir));
  EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u)
      << path;

  const auto events = read_event_file(read_file(path));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_FALSE(events[0].has_summary);
  for (const auto& event : events) {
    EXPECT_GE(event.wall_time, std::floor(before));
    EXPECT_LE(event.wall_time, after + 1);
  }

  EXPECT_EQ(events[1].step, 10);
  ASSERT_EQ(events[1].values.size(), 3u);
  EXPECT_EQ(events[1].values[0].first, "loss");
  EXPECT_EQ(events[1].values[0].second, 2.5f);
  EXPECT_EQ(events[1].values[1].first, "lr");
  EXPECT_EQ(events[1].values[1].second, static_cast<float>(1e-3));
  EXPECT_EQ(events[1].values[2].first, "train/top1");
  EXPECT_EQ(events[1].values[2].second, 0.125f);

  EXPECT_EQ(events[2].step, 20);
  ASSERT_EQ(events[2].values.size(), 2u);
  EXPECT_EQ(events[2].values[0].second, 2.25f);
  EXPECT_EQ(events[2].values[1].second, static_cast<float>(2e-3));

  EXPECT_EQ(events[3].step, int64_t{1} << 40);
  ASSERT_EQ(events[3].values.size(), 1u);
  EXPECT_TRUE(std::isnan(events[3].values[0].second));
}

TEST(TensorBoardSink, EventsAreReadableBeforeTheSinkCloses) {
  TempDir tmp;
  TensorBoardSink sink(tmp.file("tb"));
  sink.write(1, {{"loss", 1.0}});
  const auto events = read_event_file(read_file(sink.path()));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step, 1);
}

TEST(TensorBoardSink, FlippedByteFailsCrcCheck) {
  TempDir tmp;
  std::string path;
  {
    TensorBoardSink sink(tmp.file("tb"));
    path = sink.path();
    sink.write(5, {{"loss", 0.5}});
  }
  const std::string good = read_file(path);
  ASSERT_NO_THROW(read_event_file(good));

  // A byte of the last record's payload (its data CRC is the final 4 bytes).
  std::string bad_data = good;
  bad_data[bad_data.size() - 6] ^= 0x01;
  EXPECT_THROW(
      {
        try {
          testing::read_tfrecords(bad_data);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "data CRC mismatch");
          throw;
        }
      },
      std::runtime_error);

  // A byte of the first record's length field.
  std::string bad_length = good;
  bad_length[0] ^= 0x01;
  EXPECT_THROW(
      {
        try {
          testing::read_tfrecords(bad_length);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "length CRC mismatch");
          throw;
        }
      },
      std::runtime_error);
}

TEST(TensorBoardSink, SecondWriterInSameDirectoryGetsItsOwnFile) {
  TempDir tmp;
  TensorBoardSink first(tmp.file("tb"));
  TensorBoardSink second(tmp.file("tb"));
  EXPECT_NE(first.path(), second.path());
  first.write(1, {{"a", 1.0}});
  second.write(2, {{"b", 2.0}});
  EXPECT_EQ(read_event_file(read_file(first.path()))[1].values[0].first, "a");
  EXPECT_EQ(read_event_file(read_file(second.path()))[1].values[0].first, "b");
}

TEST(TensorBoardSink, UncreatableDirectoryIsErrorNamingIt) {
  TempDir tmp;
  testing::write_file(tmp.file("plain_file"), "x");
  const std::string dir = tmp.file("plain_file") + "/tb";
  try {
    TensorBoardSink sink(dir);
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::log
