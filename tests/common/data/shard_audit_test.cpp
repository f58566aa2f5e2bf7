#include "common/data/shard_audit.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/base/error.h"
#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

struct ProcessResult {
  int exit_code = -1;
  std::string output;
};

// Runs ptk-shards as a real process, stdout and stderr together.
ProcessResult ptk_shards(const std::string& args) {
  const std::string command = std::string(PTK_SHARDS_BIN) + " " + args + " 2>&1";
  ProcessResult run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

uint64_t image_byte_offset(const std::string& shard, uint64_t record) {
  ShardReader reader(shard);
  uint64_t base = 0;
  for (const auto& d : reader.layout()) {
    if (d.name == kImageBytes) base = d.file_offset;
  }
  return base + static_cast<uint64_t>(reader.record(record).image_bytes.data -
                                      reader.record(0).image_bytes.data);
}

TEST(VerifyShardSet, CleanSetHasNoProblems) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 30, 10);
  const VerifyReport report = verify_shard_set(ShardSet(tmp.path()), 2);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.shards_checked, 3u);
  EXPECT_EQ(report.records_checked, 30u);
}

TEST(VerifyShardSet, NamesTheDamagedRecordAndTheTruncatedShard) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 30, 10);
  testing::flip_byte(tmp.sub("shard-00001.h5"), image_byte_offset(tmp.sub("shard-00001.h5"), 4));
  std::filesystem::resize_file(tmp.sub("shard-00002.h5"),
                               std::filesystem::file_size(tmp.sub("shard-00002.h5")) - 10);
  const VerifyReport report = verify_shard_set(ShardSet(tmp.path()), 3);
  ASSERT_FALSE(report.ok());
  std::string all;
  for (const auto& p : report.problems) all += p + "\n";
  EXPECT_NE(all.find("shard-00001.h5: record 4 (key img-14): checksum mismatch"), std::string::npos)
      << all;
  EXPECT_NE(all.find("shard-00002.h5: cannot be read"), std::string::npos) << all;
  EXPECT_NE(all.find("truncated"), std::string::npos) << all;
  EXPECT_EQ(all.find("shard-00000.h5"), std::string::npos) << all;
  EXPECT_EQ(all.find("record 3 "), std::string::npos) << all;
}

TEST(VerifyShardSet, NamesAMissingShardAndTrainingsFileCheckStopsOnIt) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 30, 10);
  std::filesystem::remove(tmp.sub("shard-00001.h5"));
  std::filesystem::resize_file(tmp.sub("shard-00002.h5"),
                               std::filesystem::file_size(tmp.sub("shard-00002.h5")) - 10);
  const ShardSet set(tmp.path());
  const VerifyReport report = verify_shard_set(set, 2);
  ASSERT_FALSE(report.ok());
  std::string all;
  for (const auto& p : report.problems) all += p + "\n";
  EXPECT_NE(all.find("shard-00001.h5: missing"), std::string::npos) << all;
  EXPECT_NE(all.find("shard-00002.h5"), std::string::npos) << all;
  // What a training run checks at start: both named in one error.
  try {
    set.check_files();
    FAIL() << "check_files accepted a set with a missing and a truncated shard";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("2 of 3 shards unusable"), std::string::npos) << message;
    EXPECT_NE(message.find("shard-00001.h5' is missing"), std::string::npos) << message;
    EXPECT_NE(message.find("shard-00002.h5' has"), std::string::npos) << message;
    EXPECT_NE(message.find("(truncated)"), std::string::npos) << message;
  }
  TempDir clean;
  testing::write_image_set(clean.path(), 30, 10);
  EXPECT_NO_THROW(ShardSet(clean.path()).check_files());
}

TEST(PtkShards, VerifyExitsZeroOnACleanSetAndOneOnDamage) {
  TempDir tmp;
  testing::write_token_set(tmp.path(), 25, 10);
  ProcessResult clean = ptk_shards("verify " + tmp.path());
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_NE(clean.output.find("25 records"), std::string::npos) << clean.output;

  ShardReader reader(tmp.sub("shard-00000.h5"));
  uint64_t tokens = 0;
  for (const auto& d : reader.layout()) {
    if (d.name == kTokenIds) tokens = d.file_offset;
  }
  const uint64_t record = 2;
  const uint64_t first =
      static_cast<uint64_t>(reader.record(record).tokens.data - reader.record(0).tokens.data);
  testing::flip_byte(tmp.sub("shard-00000.h5"), tokens + first * 4);
  ProcessResult damaged = ptk_shards("verify shards.dir=" + tmp.path() + " verify.jobs=1");
  EXPECT_EQ(damaged.exit_code, 1) << damaged.output;
  EXPECT_NE(damaged.output.find("DAMAGED shard-00000.h5: record 2: checksum mismatch"),
            std::string::npos)
      << damaged.output;
}

TEST(PtkShards, InspectPrintsLayoutAndRecord) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 12, 5);
  ProcessResult run = ptk_shards("inspect " + tmp.path() + " inspect.shard=1 inspect.record=2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* expected : {"images/bytes", "labels/offsets", "file offset", "key: img-7",
                               "format = ptk-image-shard", "(ok)", "samples: 12"}) {
    EXPECT_NE(run.output.find(expected), std::string::npos) << expected << "\n" << run.output;
  }
  ProcessResult bad = ptk_shards("inspect " + tmp.path() + " inspect.record=99");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("ptk-shards: error: inspect.record 99"), std::string::npos)
      << bad.output;
}

TEST(PtkShards, StatsPrintsCountsAndHistograms) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 20, 8);
  ProcessResult run = ptk_shards("stats " + tmp.path() + " stats.top=3");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("total: 20 samples in 3 shards"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("labels per image"), std::string::npos) << run.output;
  // Records 0..19 have i % 5 labels: four records for each count 0..4.
  EXPECT_NE(run.output.find("         4: 4"), std::string::npos) << run.output;

  TempDir tokens;
  testing::write_token_set(tokens.path(), 20, 8);
  ProcessResult token_run = ptk_shards("stats " + tokens.path());
  ASSERT_EQ(token_run.exit_code, 0) << token_run.output;
  EXPECT_NE(token_run.output.find("sequence length histogram"), std::string::npos)
      << token_run.output;
}

TEST(PtkShards, MissingSetIsAClearError) {
  TempDir tmp;
  ProcessResult run = ptk_shards("verify " + tmp.sub("nowhere"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("manifest.yaml is missing"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ptk::data
