// ptk-wsl dedup's job on a real image shard set with planted copies of evaluation images.
#include "vision/dedup/dedup_job.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/base/error.h"
#include "common/data/shard_writer.h"
#include "common/dist/job_ranks.h"
#include "common/io/atomic_file.h"
#include "tests/vision/dedup/dedup_test_pictures.h"
#include "vision/dedup/thumbnail_embedder.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;
using testing::copy_kinds;
using testing::copy_of;
using testing::natural_scene;

void write_file(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// The job in this one process, with the thumbnail embedding.
DedupSummary run_dedup(const DedupOptions& options) {
  const ThumbnailEmbedder embedder(options.threads);
  return run_dedup(options, embedder, dist::JobRanks::join(std::chrono::seconds(60)));
}

class DedupJob : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ptk_dedup_job_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    // Evaluation images: scenes 1..6 in class folders, and one file that is no image.
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      write_file(dir_ / "eval" / ("n0" + std::to_string(seed % 2)) /
                     ("val_" + std::to_string(seed) + ".JPEG"),
                 testing::encode(natural_scene(200, 150, seed), ".jpg"));
    }
    std::ofstream(dir_ / "eval" / "n00" / "broken.jpg") << "not a jpeg";
    // Training records: a copy of every kind but crops of scenes 1 and 2, scenes 101..130
    // (distinct) and one unreadable record; two shards.
    data::ShardWriterOptions options;
    options.dir = (dir_ / "train").string();
    options.max_shard_records = 20;
    data::ShardSetWriter writer(options);
    for (uint32_t seed : {1u, 2u}) {
      for (const auto& [kind, name] : copy_kinds()) {
        if (testing::is_crop(kind)) continue;  // not promised by the thumbnail
        const std::string key = "copy-" + std::to_string(seed) + "-" + name;
        planted_.insert(key);
        writer.add({copy_of(natural_scene(200, 150, seed), kind), {0}, key});
      }
    }
    // A key with a tab and a backslash reaches exclusions.txt as it is.
    planted_.insert(kOddKey);
    writer.add({copy_of(natural_scene(200, 150, 3), testing::CopyKind::kSame), {0}, kOddKey});
    for (uint32_t seed = 101; seed <= 130; ++seed) {
      writer.add({testing::encode(natural_scene(200, 150, seed), ".jpg"),
                  {0},
                  "distinct-" + std::to_string(seed)});
    }
    writer.add({{1, 2, 3}, {0}, "garbage"});
    writer.finish();
  }
  void TearDown() override { fs::remove_all(dir_); }

  DedupOptions options() const {
    DedupOptions o;
    o.shards = (dir_ / "train").string();
    o.eval = {(dir_ / "eval").string()};
    o.out = (dir_ / "dedup").string();
    o.threads = 2;
    o.batch = 7;  // batches that straddle shards' ends
    return o;
  }

  static constexpr char kOddKey[] = "odd\tkey\\n with a tab";
  fs::path dir_;
  std::set<std::string> planted_;
};

TEST_F(DedupJob, ExcludesEveryPlantedCopyAndNoDistinctPicture) {
  const DedupSummary summary = run_dedup(options());
  EXPECT_EQ(summary.eval_images, 7);
  EXPECT_EQ(summary.eval_unreadable, 1);
  EXPECT_EQ(summary.records, static_cast<int64_t>(planted_.size()) + 31);
  EXPECT_EQ(summary.records_unreadable, 1);
  EXPECT_EQ(summary.duplicates, static_cast<int64_t>(planted_.size()));
  EXPECT_EQ(summary.flipped_duplicates, 2);
  EXPECT_EQ(summary.eval_images_with_copy, 3);

  const std::string exclusions = io::read_file(dir_ / "dedup" / "exclusions.txt");
  EXPECT_NE(exclusions.find(std::string(kOddKey) + "\n"), std::string::npos) << exclusions;
  std::set<std::string> excluded;
  std::istringstream lines(exclusions);
  for (std::string key; std::getline(lines, key);) excluded.insert(key);
  EXPECT_EQ(excluded, planted_);
  const std::string table = io::read_file(dir_ / "dedup" / "duplicates.tsv");
  EXPECT_EQ(table.rfind("key\tshard\tindex\teval_image\tsimilarity\tflipped\n", 0), 0u);
  EXPECT_NE(table.find("copy-2-mirrored\tshard-00000.h5\t"), std::string::npos) << table;
  EXPECT_NE(table.find("val_2.JPEG"), std::string::npos) << table;
  const std::string unreadable = io::read_file(dir_ / "dedup" / "unreadable.tsv");
  EXPECT_NE(unreadable.find("broken.jpg"), std::string::npos) << unreadable;
  EXPECT_NE(unreadable.find("garbage"), std::string::npos) << unreadable;
  EXPECT_NE(io::read_file(dir_ / "dedup" / "summary.txt").find("[0.999, 1]"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "dedup.ranks"));  // the ranks' exchange folder is gone
}

TEST_F(DedupJob, ThresholdOutsideTheUnitIntervalIsAUsageError) {
  DedupOptions o = options();
  o.threshold = 0;
  try {
    run_dedup(o);
    FAIL() << "no error for threshold 0";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("dedup.threshold"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_ / "dedup"));
}

TEST_F(DedupJob, AMissingEvaluationFolderIsNamed) {
  DedupOptions o = options();
  o.eval = {(dir_ / "nowhere").string()};
  try {
    run_dedup(o);
    FAIL() << "no error for a missing folder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::vision
