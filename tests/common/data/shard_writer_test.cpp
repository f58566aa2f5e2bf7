#include "common/data/shard_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/base/error.h"
#include "common/data/manifest.h"
#include "common/data/shard_reader.h"
#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

void expect_same(const RecordView& view, const ImageRecord& expected) {
  ASSERT_EQ(view.kind, ShardKind::kImage);
  EXPECT_EQ(std::vector<uint8_t>(view.image_bytes.begin(), view.image_bytes.end()), expected.bytes);
  EXPECT_EQ(std::vector<int32_t>(view.labels.begin(), view.labels.end()), expected.labels);
  EXPECT_EQ(std::string(view.key), expected.key);
  EXPECT_EQ(view.checksum, record_checksum(expected));
}

TEST(ShardSetWriter, ImageRecordsReadBackIdentically) {
  TempDir tmp;
  const Manifest written = testing::write_image_set(tmp.path(), 57, 10);
  ShardSet set(tmp.path());
  EXPECT_EQ(set.kind(), ShardKind::kImage);
  EXPECT_EQ(set.num_samples(), 57u);
  EXPECT_EQ(set.num_shards(), 6u);
  for (uint64_t i = 0; i < 57; ++i) {
    const SampleLocation at = set.locate(i);
    EXPECT_EQ(at.shard, i / 10);
    EXPECT_EQ(at.record, i % 10);
    const auto shard_reader = set.shard(at.shard);
    const ShardReader& shard = *shard_reader;
    expect_same(shard.record(at.record), testing::make_image(i));
    EXPECT_TRUE(shard.verify(at.record));
  }
  EXPECT_THROW(set.locate(57), Error);
}

TEST(ShardSetWriter, TokenRecordsReadBackIdentically) {
  TempDir tmp;
  testing::write_token_set(tmp.path(), 40, 16);
  ShardSet set(tmp.path());
  EXPECT_EQ(set.kind(), ShardKind::kToken);
  EXPECT_EQ(set.manifest().attributes.at("tokenizer"), "wordpiece");
  EXPECT_EQ(set.manifest().files.at("vocabulary"), "vocab.txt");
  EXPECT_EQ(set.shard(0)->attributes().at("tokenizer_hash"), "abc123");
  for (uint64_t i = 0; i < 40; ++i) {
    const SampleLocation at = set.locate(i);
    const RecordView view = set.shard(at.shard)->record(at.record);
    const TokenRecord expected = testing::make_tokens(i);
    EXPECT_EQ(std::vector<int32_t>(view.tokens.begin(), view.tokens.end()), expected.tokens);
    EXPECT_EQ(view.b_start, expected.b_start);
    EXPECT_EQ(view.nsp_label, expected.nsp_label);
    EXPECT_EQ(view.checksum, record_checksum(expected));
  }
}

TEST(ShardSetWriter, FillsShardsUpToTheConfiguredBytes) {
  TempDir tmp;
  ShardWriterOptions options;
  options.dir = tmp.path();
  options.max_shard_bytes = 1000;
  ShardSetWriter writer(options);
  ImageRecord record;
  record.bytes.assign(300, 1);
  record.key = "k";
  for (int i = 0; i < 10; ++i) writer.add(record);
  const Manifest m = writer.finish();
  // 301 bytes per record: three fit in 1000, the fourth starts a new shard.
  ASSERT_EQ(m.shards.size(), 4u);
  EXPECT_EQ(m.shards[0].num_samples, 3u);
  EXPECT_EQ(m.shards[3].num_samples, 1u);
  EXPECT_EQ(m.num_samples(), 10u);
}

TEST(ShardSetWriter, ManifestListsShardsWithSizesAndFileChecksums) {
  TempDir tmp;
  const Manifest written = testing::write_image_set(tmp.path(), 25, 10);
  const Manifest loaded = Manifest::load(tmp.path());
  ASSERT_EQ(loaded.shards.size(), 3u);
  EXPECT_EQ(loaded.built_by, "data tests");
  for (size_t i = 0; i < 3; ++i) {
    const std::string path = tmp.path() + "/" + loaded.shards[i].file;
    EXPECT_EQ(loaded.shards[i].num_samples, written.shards[i].num_samples);
    EXPECT_EQ(loaded.shards[i].bytes, std::filesystem::file_size(path));
    EXPECT_EQ(loaded.shards[i].xxh64, file_checksum(path));
  }
  EXPECT_EQ(loaded.num_samples(), 25u);
}

// Rebuilding a data set must give the same files, byte for byte, so that a manifest's checksums
// can be compared across runs and machines. HDF5 stamps objects with their creation time by
// default; a writer that let it would give different files in different seconds.
TEST(ShardSetWriter, SameRecordsGiveIdenticalFilesWhenWrittenSecondsApart) {
  TempDir first;
  TempDir second;
  const Manifest image_a = testing::write_image_set(first.path() + "/images", 12, 5);
  const Manifest token_a = testing::write_token_set(first.path() + "/tokens", 12, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Manifest image_b = testing::write_image_set(second.path() + "/images", 12, 5);
  const Manifest token_b = testing::write_token_set(second.path() + "/tokens", 12, 5);
  ASSERT_EQ(image_a.shards.size(), image_b.shards.size());
  ASSERT_EQ(token_a.shards.size(), token_b.shards.size());
  for (size_t i = 0; i < image_a.shards.size(); ++i) {
    EXPECT_EQ(image_a.shards[i].xxh64, image_b.shards[i].xxh64) << image_a.shards[i].file;
  }
  for (size_t i = 0; i < token_a.shards.size(); ++i) {
    EXPECT_EQ(token_a.shards[i].xxh64, token_b.shards[i].xxh64) << token_a.shards[i].file;
  }
}

TEST(ShardSetWriter, UnfinishedWriteLeavesNoManifestAndNoPartialShard) {
  TempDir tmp;
  {
    ShardWriterOptions options;
    options.dir = tmp.path();
    options.max_shard_records = 4;
    ShardSetWriter writer(options);
    for (uint64_t i = 0; i < 10; ++i) writer.add(testing::make_image(i));
    // Interrupted: destroyed without finish().
  }
  int complete = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
    ShardReader reader(entry.path().string());  // every shard present is whole
    EXPECT_EQ(reader.num_records(), 4u);
    ++complete;
  }
  EXPECT_EQ(complete, 2);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/manifest.yaml"));
  try {
    ShardSet set(tmp.path());
    FAIL() << "a set without manifest opened";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.yaml is missing"), std::string::npos);
  }
}

TEST(ShardSetWriter, RejectsRecordsOfTheWrongKind) {
  TempDir tmp;
  ShardWriterOptions options;
  options.dir = tmp.path();
  options.kind = ShardKind::kToken;
  ShardSetWriter writer(options);
  EXPECT_THROW(writer.add(testing::make_image(0)), Error);
  ImageRecord bad_key;
  bad_key.key = std::string("a\0b", 3);
  options.kind = ShardKind::kImage;
  ShardSetWriter image_writer(options);
  EXPECT_THROW(image_writer.add(bad_key), Error);
}

TEST(Manifest, BadManifestNamesTheFileAndKey) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 5, 10);
  {
    std::ofstream out(tmp.path() + "/manifest.yaml");
    out << "format: ptk-shards\nversion: 1\nkind: image\nshards:\n  - file: a.h5\n    bytes: 3\n";
  }
  try {
    Manifest::load(tmp.path());
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("manifest.yaml"), std::string::npos) << message;
    EXPECT_NE(message.find("num_samples"), std::string::npos) << message;
  }
}

// Found by tests/fuzz/manifest_fuzzer: the sum wrapped, so the set claimed 1 sample and
// located sample 0 in a shard of 2^63.
TEST(Manifest, SampleCountsWhoseSumOverflowsAreRejected) {
  TempDir tmp;
  {
    std::ofstream out(tmp.path() + "/manifest.yaml");
    out << "format: ptk-shards\nversion: 1\nkind: image\nshards:\n"
           "  - {file: a.h5, num_samples: 9223372036854775808, bytes: 1, xxh64: \"1\"}\n"
           "  - {file: b.h5, num_samples: 9223372036854775809, bytes: 1, xxh64: \"2\"}\n";
  }
  try {
    Manifest::load(tmp.path());
    FAIL() << "accepted sample counts whose sum overflows";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shards[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
}

// Found by tests/fuzz/manifest_fuzzer: yaml-cpp writes ill-formed UTF-8 in a quoted string as
// U+FFFD, so a Latin-1 file name was saved as a different name that no longer matched the file.
TEST(Manifest, SavingRefusesTextThatIsNotUtf8) {
  TempDir tmp;
  Manifest m;
  m.files["vocabulary"] = "vocab: caf\xe9.json";  // needs quoting in YAML
  m.shards.push_back({"a.h5", 1, 10, 0xab});
  try {
    m.save(tmp.path());
    FAIL() << "saved a manifest that cannot be read back as written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("files.vocabulary"), std::string::npos) << e.what();
  }
  m.files["vocabulary"] = "vocab: caf\xc3\xa9.json";
  m.save(tmp.path());
  EXPECT_EQ(Manifest::load(tmp.path()).files, m.files);
}

}  // namespace
}  // namespace ptk::data
