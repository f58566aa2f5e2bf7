// Runs the ptk-demo-data binary on a small count and checks what it wrote.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "demos/demo_hashtags.h"
#include "demos/fashion_mnist.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/hashtag_normalizer.h"
#include "vision/hashtags/manifest_reader.h"
#include "vision/hashtags/wordnet.h"

namespace fs = std::filesystem;

namespace {

bool inputs_installed() {
  return fs::exists(std::string(ptk::vision::kDefaultWordNetDir) + "/data.noun") &&
         fs::exists(std::string(ptk::demo::kDefaultFashionMnistDir) +
                    "/train-images-idx3-ubyte.gz");
}

fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("ptk_demo_data_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

int run_builder(const std::string& arguments) {
  const std::string command = std::string(PTK_DEMO_DATA_BIN) + " " + arguments + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class DemoData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!inputs_installed()) return;
    out_ = new fs::path(fresh_dir("main"));
    status_ = run_builder("demo.output_dir=" + out_->string() +
                          " demo.train_images=1500 demo.val_images=200 demo.seed=7");
  }
  static void TearDownTestSuite() {
    if (out_) fs::remove_all(*out_);
    delete out_;
    out_ = nullptr;
  }
  void SetUp() override {
    if (!inputs_installed()) GTEST_SKIP() << "wordnet-base or dataset-fashion-mnist missing";
    ASSERT_EQ(status_, 0);
  }
  static fs::path* out_;
  static int status_;
};
fs::path* DemoData::out_ = nullptr;
int DemoData::status_ = -1;

TEST_F(DemoData, ManifestLinesParseAndPointAtDecodableJpegs) {
  const fs::path manifest = *out_ / "hashtags" / "manifest.jsonl";
  ptk::vision::ManifestReader reader(manifest.string());
  ptk::vision::ManifestRecord record;
  tjhandle decoder = tjInitDecompress();
  size_t records = 0;
  while (reader.next(record)) {
    ++records;
    const std::string bytes = slurp(manifest.parent_path() / record.image);
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    ASSERT_EQ(tjDecompressHeader3(decoder, reinterpret_cast<const unsigned char*>(bytes.data()),
                                  bytes.size(), &width, &height, &subsampling, &colorspace),
              0)
        << record.image;
    EXPECT_EQ(width, 32);
    EXPECT_EQ(height, 32);
    std::vector<unsigned char> pixels(32 * 32);
    ASSERT_EQ(tjDecompress2(decoder, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size(), pixels.data(), 32, 0, 32, TJPF_GRAY, 0),
              0);
  }
  tjDestroy(decoder);
  EXPECT_EQ(records, 1500u);
  EXPECT_EQ(reader.stats().malformed, 0u);
}

TEST_F(DemoData, ImageNetLayoutHasTenWnidFoldersPerSplit) {
  for (const auto& [split, expected] :
       std::map<std::string, size_t>{{"train", 1500}, {"val", 200}}) {
    size_t folders = 0, images = 0;
    for (const auto& entry : fs::directory_iterator(*out_ / "imagenet" / split)) {
      ++folders;
      const std::string name = entry.path().filename().string();
      EXPECT_NO_THROW(ptk::vision::parse_wnid(name)) << name;
      for (const auto& image : fs::directory_iterator(entry.path())) {
        EXPECT_EQ(image.path().extension(), ".JPEG");
        ++images;
      }
    }
    EXPECT_EQ(folders, 10u) << split;
    EXPECT_EQ(images, expected) << split;
  }
  EXPECT_TRUE(fs::is_directory(*out_ / "imagenet" / "train" / "n03595614"));  // T-shirt
  EXPECT_TRUE(fs::is_directory(*out_ / "imagenet" / "val" / "n02872752"));    // boot
}

TEST_F(DemoData, HashtagRatesAreRoughlyAsStated) {
  const auto wordnet = ptk::vision::WordNet::load();
  const ptk::vision::Canonicalizer canonicalizer(wordnet);
  const ptk::vision::HashtagNormalizer normalizer;
  std::map<uint32_t, int> class_of_synset;
  for (size_t k = 0; k < ptk::demo::kFashionClasses.size(); ++k) {
    class_of_synset[ptk::demo::kFashionClasses[k].synset] = static_cast<int>(k);
  }
  std::ifstream in(*out_ / "hashtags" / "manifest.jsonl");
  std::string line;
  size_t images = 0, with_class = 0, with_wrong = 0, tags = 0;
  while (std::getline(in, line)) {
    // The manifest carries the true label for checks like this one.
    const size_t at = line.find("\"label\":");
    ASSERT_NE(at, std::string::npos);
    const int label = std::stoi(line.substr(at + 8));
    ++images;
    ptk::vision::ManifestRecord record;
    std::ofstream(*out_ / "one.jsonl", std::ios::trunc) << line << "\n";
    ptk::vision::ManifestReader reader((*out_ / "one.jsonl").string());
    ASSERT_TRUE(reader.next(record));
    bool own = false, wrong = false;
    for (const auto& raw : record.hashtags) {
      ++tags;
      const auto normalized = normalizer.normalize(raw);
      ASSERT_EQ(normalized.status, ptk::vision::HashtagStatus::kOk) << raw;
      const auto match = canonicalizer.canonicalize(normalized.text);
      if (!match) continue;
      auto it = class_of_synset.find(match->synset);
      if (it == class_of_synset.end()) continue;
      (it->second == label ? own : wrong) = true;
    }
    with_class += own;
    with_wrong += wrong;
  }
  ASSERT_EQ(images, 1500u);
  // Stated rates: class tag 0.80, wrong tag 0.10; 1500 images give sigma ~0.010 and ~0.008.
  EXPECT_NEAR(static_cast<double>(with_class) / images, 0.80, 0.05);
  EXPECT_NEAR(static_cast<double>(with_wrong) / images, 0.10, 0.04);
  // 0.8 + 0.5 + 0.1 + 2 x 0.5 = 2.4 tags per image, a little less after duplicates merge.
  EXPECT_NEAR(static_cast<double>(tags) / images, 2.4, 0.2);
}

TEST_F(DemoData, SameSeedGivesTheSameOutputAndAnotherSeedDoesNot) {
  const fs::path again = fresh_dir("again");
  const fs::path other = fresh_dir("other");
  ASSERT_EQ(run_builder("demo.output_dir=" + again.string() +
                        " demo.train_images=1500 demo.val_images=200 demo.seed=7"),
            0);
  ASSERT_EQ(run_builder("demo.output_dir=" + other.string() +
                        " demo.train_images=1500 demo.val_images=200 demo.seed=8"),
            0);
  const std::string manifest = slurp(*out_ / "hashtags" / "manifest.jsonl");
  EXPECT_EQ(slurp(again / "hashtags" / "manifest.jsonl"), manifest);
  EXPECT_EQ(slurp(again / "hashtags" / "images" / "train_000123.jpg"),
            slurp(*out_ / "hashtags" / "images" / "train_000123.jpg"));
  EXPECT_NE(slurp(other / "hashtags" / "manifest.jsonl"), manifest);
  fs::remove_all(again);
  fs::remove_all(other);
}

TEST_F(DemoData, BadOptionsAreUsageErrors) {
  const fs::path dir = fresh_dir("bad");
  EXPECT_EQ(run_builder("demo.output_dir=" + dir.string() + " demo.train_images=70000"), 2);
  EXPECT_EQ(run_builder("demo.output_dir=" + dir.string() + " demo.wrong_tag_rate=1.5"), 2);
  EXPECT_EQ(run_builder("demo.output_dir=" + dir.string() + " demo.image_size=64"), 2);
  EXPECT_EQ(run_builder("demo.no_such_key=1"), 2);
  EXPECT_EQ(run_builder("demo.output_dir=" + dir.string() + " demo.wordnet_dir=" + dir.string() +
                        "/nowhere"),
            1);
  EXPECT_EQ(run_builder("--help"), 0);
  fs::remove_all(dir);
}

}  // namespace
