// `ptk-wsl prepare` at scale, as users run it: the same shard bytes for any number of ranks and
// threads (under the real torchrun), a rank killed with SIGKILL and restarted by torchrun
// resumes to the same bytes, large images are resized and every image stored as JPEG, and an
// unfinished job is not mixed with a run of other options.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "common/data/shard_reader.h"
#include "tests/integration/toy_run.h"
#include "tests/vision/transforms/test_images.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kWsl = std::string(PTK_BINARY_DIR) + "/ptk-wsl";
const std::string kDemoData = std::string(PTK_BINARY_DIR) + "/ptk-demo-data";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(240)));
  *output = child.output();
  return code;
}

// A ptk-demo-data hashtag set of `images` pictures, plus one undecodable and one missing
// image. With `photo_size` > 0 every picture is replaced by a photo-like JPEG of that width
// (3:4), and every tenth by a PNG with an alpha channel, so that resizing has work to do.
std::string make_manifest(const ScratchDir& dir, int images, int photo_size = 0) {
  std::string output;
  EXPECT_EQ(run({kDemoData, "demo.output_dir=" + dir / "demo",
                 "demo.train_images=" + std::to_string(images), "demo.val_images=10"},
                dir / "demo.log", &output),
            0)
      << output;
  const std::string manifest = dir / "demo/hashtags/manifest.jsonl";
  if (photo_size > 0) {
    std::ifstream in(manifest);
    std::string line;
    uint32_t seed = 1;
    while (std::getline(in, line)) {
      std::smatch match;
      if (!std::regex_search(line, match, std::regex("\"image\": *\"([^\"]+)\""))) {
        ADD_FAILURE() << "no image in " << line;
        continue;
      }
      const std::string image = dir / ("demo/hashtags/" + match[1].str());
      const cv::Mat photo = vision::testing::natural_scene(photo_size, photo_size * 3 / 4, seed);
      std::vector<uint8_t> bytes;
      if (seed % 10 == 0) {
        cv::Mat with_alpha;
        cv::cvtColor(photo, with_alpha, cv::COLOR_BGR2BGRA);
        bytes = vision::testing::encode(with_alpha, ".png");
      } else {
        bytes = vision::testing::encode(photo, ".jpg", 90);
      }
      std::ofstream(image, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
      ++seed;
    }
  }
  std::ofstream(dir / "demo/hashtags/images/broken.jpg") << "this is not a JPEG";
  std::ofstream(manifest, std::ios::app)
      << "{\"image\": \"images/broken.jpg\", \"hashtags\": [\"#tshirt\"]}\n"
      << "{\"image\": \"images/missing.jpg\", \"hashtags\": [\"#sneaker\"]}\n";
  return manifest;
}

std::vector<std::string> prepare_command(const std::string& manifest, const std::string& out,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {kWsl,
                                   "prepare",
                                   "prepare.manifest=" + manifest,
                                   "prepare.out=" + out,
                                   "prepare.val_fraction=0.1",
                                   "prepare.vocab_size=1.5k",
                                   "prepare.shard_bytes=20000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// What must not depend on ranks and threads: both manifests (they hold every shard's xxh64),
// the vocabulary and the bad-image report.
std::string output_fingerprint(const std::string& out) {
  return read_text(out + "/train/manifest.yaml") + read_text(out + "/val/manifest.yaml") +
         read_text(out + "/train/vocab.tsv") + read_text(out + "/bad_images.tsv");
}

TEST(WslPrepareScale, SameShardBytesForOneRankOneThreadOneRankTwoThreadsAndTwoRanksUnderTorchrun) {
  ScratchDir dir;
  const std::string manifest = make_manifest(dir, 300);
  std::string output;
  ASSERT_EQ(run(prepare_command(manifest, dir / "r1t1", {"prepare.parts=5", "prepare.threads=1"}),
                dir / "r1t1.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("5 parts on 1 rank(s) x 1 thread(s)"), std::string::npos) << output;
  ASSERT_EQ(run(prepare_command(manifest, dir / "r1t2", {"prepare.parts=5", "prepare.threads=2"}),
                dir / "r1t2.log", &output),
            0)
      << output;
  ASSERT_EQ(run(torchrun_command(2, prepare_command(manifest, dir / "r2t2",
                                                    {"prepare.parts=5", "prepare.threads=2"})),
                dir / "r2t2.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("5 parts on 2 rank(s) x 2 thread(s)"), std::string::npos) << output;

  const std::string expected = output_fingerprint(dir / "r1t1");
  EXPECT_NE(expected.find("part-00004-00000.h5"), std::string::npos) << expected;
  EXPECT_EQ(output_fingerprint(dir / "r1t2"), expected);
  EXPECT_EQ(output_fingerprint(dir / "r2t2"), expected);
  EXPECT_FALSE(fs::exists(dir / "r2t2.partial"));
  // The report gathers every rank's lines with the manifest's own line numbers.
  const std::string report = read_text(dir / "r2t2/bad_images.tsv");
  EXPECT_NE(report.find("\t301\timages/broken.jpg\t"), std::string::npos) << report;
  EXPECT_NE(report.find("\t302\timages/missing.jpg\t"), std::string::npos) << report;
  data::ShardSet train(dir / "r2t2/train");
  data::ShardSet val(dir / "r2t2/val");
  EXPECT_GT(val.num_samples(), 0u);
  EXPECT_LE(train.num_samples() + val.num_samples(), 300u);
}

TEST(WslPrepareScale, ASigkilledRankRestartedByTorchrunEndsWithTheSameBytes) {
  ScratchDir dir;
  const std::string manifest = make_manifest(dir, 400, 320);
  const std::vector<std::string> options = {"prepare.parts=16", "prepare.threads=1",
                                            "prepare.resize_shorter=64"};
  std::string output;
  ASSERT_EQ(
      run(prepare_command(manifest, dir / "reference", options), dir / "reference.log", &output), 0)
      << output;

  Child launcher(torchrun_command(2, prepare_command(manifest, dir / "out", options), 1), {},
                 dir / "torchrun.log");
  // Kill rank 1 once some, not all, parts are written.
  const fs::path done = dir / "out.partial/done";
  int written = 0;
  bool killed = false;
  for (int i = 0; i < 6000 && !killed && launcher.running(); ++i) {
    written = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(done, error)) {
      written += entry.path().filename().string().rfind("part-", 0) == 0 ? 1 : 0;
    }
    const pid_t rank1 = find_rank_process(launcher.pid(), 1);
    if (written >= 2 && rank1 > 0) {
      ASSERT_EQ(::kill(rank1, SIGKILL), 0);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(killed) << "the job ended before a rank could be killed; make it larger\n"
                      << launcher.output();
  EXPECT_LT(written, 16) << "the kill landed after the last part";
  ASSERT_EQ(exit_code(launcher.wait(std::chrono::seconds(240))), 0) << launcher.output();
  EXPECT_EQ(output_fingerprint(dir / "out"), output_fingerprint(dir / "reference"));
  EXPECT_FALSE(fs::exists(dir / "out.partial"));
}

TEST(WslPrepareScale, LargeImagesAreResizedAndEveryImageIsStoredAsJpeg) {
  ScratchDir dir;
  const std::string manifest = make_manifest(dir, 60, 320);
  std::string output;
  ASSERT_EQ(run(prepare_command(manifest, dir / "out", {"prepare.resize_shorter=64"}),
                dir / "prepare.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("re-encoded as JPEG (shorter side <= 64)"), std::string::npos) << output;
  for (const char* role : {"train", "val"}) {
    data::ShardSet set(dir / ("out/" + std::string(role)));
    for (size_t s = 0; s < set.num_shards(); ++s) {
      const auto shard_reader = set.shard(s);
      const data::ShardReader& shard = *shard_reader;
      for (uint64_t r = 0; r < shard.num_records(); ++r) {
        const data::RecordView record = shard.record(r);
        const vision::ImageInfo info = vision::peek_image(
            record.image_bytes.data, record.image_bytes.size, std::string(record.key));
        EXPECT_EQ(info.format, vision::ImageFormat::kJpeg) << record.key;
        EXPECT_EQ(std::min(info.width, info.height), 64) << record.key;
        EXPECT_EQ(std::max(info.width, info.height), 85) << record.key;
      }
    }
  }
}

TEST(WslPrepareScale, AnUnfinishedJobRefusesARunWithOtherOptions) {
  ScratchDir dir;
  const std::string manifest = make_manifest(dir, 40);
  std::string output;
  // No validation image survives so small a fraction: the job stops before it is assembled.
  EXPECT_EQ(run(prepare_command(manifest, dir / "out", {"prepare.val_fraction=0.0001"}),
                dir / "first.log", &output),
            1)
      << output;
  EXPECT_NE(output.find("no validation image was kept"), std::string::npos) << output;
  ASSERT_TRUE(fs::exists(dir / "out.partial"));
  EXPECT_EQ(run(prepare_command(manifest, dir / "out", {"prepare.val_fraction=0.2"}),
                dir / "second.log", &output),
            1)
      << output;
  EXPECT_NE(output.find("out.partial' holds an unfinished job with other options"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace ptk::testing
