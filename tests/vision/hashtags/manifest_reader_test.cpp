#include "vision/hashtags/manifest_reader.h"

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "tests/vision/hashtags/test_files.h"

namespace ptk::vision {
namespace {

using testing::fresh_dir;
using testing::write_text;

std::vector<ManifestRecord> read_all(ManifestReader& reader) {
  std::vector<ManifestRecord> records;
  ManifestRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

TEST(ManifestReader, JsonlYieldsImagesHashtagsAndLineNumbers) {
  const auto path = fresh_dir() / "m.jsonl";
  write_text(path,
             "{\"image\": \"a.jpg\", \"hashtags\": [\"#BrownBear\", \"love\"], \"extra\": 1}\n"
             "\n"
             "{\"image\": \"b.jpg\", \"hashtags\": []}\r\n");
  ManifestReader reader(path.string());
  EXPECT_EQ(reader.format(), ManifestFormat::kJsonl);
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].image, "a.jpg");
  EXPECT_EQ(records[0].hashtags, (std::vector<std::string>{"#BrownBear", "love"}));
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].image, "b.jpg");
  EXPECT_TRUE(records[1].hashtags.empty());
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(reader.stats().malformed, 0u);
}

TEST(ManifestReader, MalformedLinesAreSkippedCountedAndNamed) {
  const auto path = fresh_dir() / "m.jsonl";
  write_text(path,
             "{\"image\": \"ok1.jpg\", \"hashtags\": [\"a\"]}\n"
             "{\"image\": \"x.jpg\", \"hashtags\": [\"a\"\n"       // truncated JSON
             "[1, 2]\n"                                            // not an object
             "{\"hashtags\": [\"a\"]}\n"                           // no image
             "{\"image\": \"y.jpg\", \"hashtags\": \"a,b\"}\n"     // hashtags not an array
             "{\"image\": \"z.jpg\", \"hashtags\": [\"a\", 3]}\n"  // a non-string hashtag
             "{\"image\": \"ok2.jpg\", \"hashtags\": [\"b\"]}\n");
  ManifestReader reader(path.string());
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].image, "ok2.jpg");
  EXPECT_EQ(records[1].line, 7u);
  const ManifestStats& stats = reader.stats();
  EXPECT_EQ(stats.malformed, 5u);
  EXPECT_EQ(stats.lines, 7u);
  ASSERT_EQ(stats.malformed_examples.size(), 5u);
  EXPECT_EQ(stats.malformed_examples[0], path.string() + ":2: not valid JSON");
  EXPECT_NE(stats.malformed_examples[2].find(":4: missing key \"image\""), std::string::npos);
  EXPECT_NE(stats.malformed_examples[3].find(":5: key \"hashtags\""), std::string::npos);
}

TEST(ManifestReader, TsvSplitsHashtagsOnCommasAndSpaces) {
  const auto path = fresh_dir() / "m.tsv";
  write_text(path,
             "image\thashtags\n"
             "a.jpg\t#bear, #love #cute,,\n"
             "b.jpg\t\n"
             "only-one-field\n"
             "c.jpg\tx\ty\n");
  ManifestReader reader(path.string());
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].hashtags, (std::vector<std::string>{"#bear", "#love", "#cute"}));
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_TRUE(records[1].hashtags.empty());
  EXPECT_EQ(reader.stats().malformed, 2u);
  EXPECT_NE(reader.stats().malformed_examples[0].find(":4: expected 2 tab-separated fields"),
            std::string::npos);
}

std::string yfcc_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "\t" : "") + fields[i];
  return line + "\n";
}

TEST(ManifestReader, Yfcc100mUserTagsAreUrlDecodedAndVideosSkipped) {
  std::vector<std::string> photo(25, "");
  photo[0] = "1";
  photo[1] = "6985418911";
  photo[10] = "brown+bear,caf%C3%A9,alaska";
  photo[24] = "0";
  std::vector<std::string> video = photo;
  video[1] = "777";
  video[24] = "1";
  std::vector<std::string> original(23, "");  // the first release: no line number, no hash
  original[0] = "4242";
  original[8] = "sea%2Bsand";
  original[22] = "0";
  const auto path = fresh_dir() / "yfcc100m_dataset";
  write_text(path, yfcc_line(photo) + yfcc_line(video) + yfcc_line(original) + "1\t2\t3\n");
  ManifestReader reader(path.string());
  EXPECT_EQ(reader.format(), ManifestFormat::kYfcc100m);
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].image, "6985418911");
  EXPECT_EQ(records[0].hashtags, (std::vector<std::string>{"brown bear", "caf\xC3\xA9", "alaska"}));
  EXPECT_EQ(records[1].image, "4242");
  EXPECT_EQ(records[1].hashtags, std::vector<std::string>{"sea+sand"});
  EXPECT_EQ(reader.stats().videos, 1u);
  EXPECT_EQ(reader.stats().malformed, 1u);
  EXPECT_NE(reader.stats().malformed_examples[0].find(":4: expected 25 (or 23)"),
            std::string::npos);
}

TEST(ManifestReader, UrlDecodeKeepsBrokenEscapes) {
  EXPECT_EQ(url_decode("a+b%20c%2"), "a b c%2");
  EXPECT_EQ(url_decode("%zz%41"), "%zzA");
}

TEST(ManifestReader, UnopenableFileIsAnErrorNamingIt) {
  const auto path = fresh_dir() / "missing.jsonl";
  try {
    ManifestReader reader(path.string());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
}

TEST(ManifestReader, FormatComesFromTheNameOrIsAskedFor) {
  EXPECT_EQ(detect_manifest_format("x/train.jsonl"), ManifestFormat::kJsonl);
  EXPECT_EQ(detect_manifest_format("train.tsv"), ManifestFormat::kTsv);
  EXPECT_EQ(detect_manifest_format("/d/yfcc100m_dataset.tsv"), ManifestFormat::kYfcc100m);
  EXPECT_THROW(detect_manifest_format("train.txt"), Error);
  EXPECT_EQ(parse_manifest_format("tsv"), ManifestFormat::kTsv);
  try {
    parse_manifest_format("csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace ptk::vision
