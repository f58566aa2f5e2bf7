// ptk-demo-data: builds the demo hashtag data set from Fashion-MNIST and WordNet.
//   ptk-demo-data [--config FILE] [demo.output_dir=DIR] [demo.train_images=N] ...
// Writes <out>/hashtags/manifest.jsonl (+ images/) for `ptk-wsl prepare`, and an ImageNet
// layout copy <out>/imagenet/{train,val}/<wnid>/*.JPEG for `ptk-eval imagenet`.
#include <turbojpeg.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/config/option_table.h"
#include "common/data/epoch_order.h"
#include "demos/demo_hashtags.h"
#include "demos/fashion_mnist.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/wordnet.h"

namespace fs = std::filesystem;

namespace {

constexpr char kUsage[] =
    "usage: ptk-demo-data [--config FILE] [key=value ...]\n"
    "\n"
    "Builds a demo hashtag data set from Fashion-MNIST (dataset-fashion-mnist) and WordNet 3.0\n"
    "(wordnet-base). Train images come from Fashion-MNIST's 60k train split, val images from\n"
    "its 10k test split, each picked by a seeded permutation; output is identical for the same\n"
    "options.\n"
    "\n"
    "Outputs under demo.output_dir:\n"
    "  hashtags/manifest.jsonl  {\"image\": \"images/train_000000.jpg\", \"hashtags\": [...],\n"
    "                            \"label\": 0..9, \"wnid\": \"n...\"}; image paths are relative\n"
    "                            to the manifest; label/wnid are the truth, for checking only\n"
    "  hashtags/images/         the train images as JPEG\n"
    "  imagenet/train/<wnid>/   the same train images, ImageNet layout (*.JPEG)\n"
    "  imagenet/val/<wnid>/     the val images\n"
    "  classes.tsv              label, name, wnid, WordNet lemmas, tags used\n"
    "  summary.json             options and the tag rates actually drawn\n"
    "\n"
    "Simulated hashtags per train image (each decision independent):\n"
    "  class tag     p = demo.class_tag_rate (0.80): a lemma of the class synset whose first\n"
    "                sense is that synset (e.g. #teeshirt, #tshirt); missing otherwise\n"
    "  hypernym tag  p = demo.hypernym_tag_rate (0.50): a lemma of an ancestor 1-3 steps up\n"
    "                that is not itself a class (#garment, #footwear, #clothing, #sweater)\n"
    "  wrong tag     p = demo.wrong_tag_rate (0.10): a class tag of another random class\n"
    "  popular tags  two chances of p = demo.popular_tag_rate (0.50) each: #love, #instagood,\n"
    "                #fashion, #ootd, ... (unrelated to the image)\n"
    "  surface form  55% lower case (#teeshirt), 20% CamelCase, 10% UPPER, 10% with '_' kept,\n"
    "                5% with a trailing '!'\n"
    "\n"
    "Classes -> WordNet 3.0 noun synsets:\n"
    "  T-shirt/top n03595614 (jersey, T-shirt, tee_shirt)   Trouser n04489008 (trouser, pant)\n"
    "  Pullover n04021028 (pullover, slipover)   Dress n03236735 (dress, frock)\n"
    "  Coat n03057021 (coat)   Sandal n04133789 (sandal)   Shirt n04197391 (shirt)\n"
    "  Sneaker n03472535 (gym_shoe, sneaker, tennis_shoe)\n"
    "  Bag n02774152 (bag, handbag, pocketbook, purse)   Ankle boot n02872752 (boot)\n"
    "\n";

// Bilinear resize with pixel centres aligned (as OpenCV's INTER_LINEAR).
std::vector<uint8_t> resize(const uint8_t* src, int in, int out) {
  std::vector<uint8_t> dst(static_cast<size_t>(out) * out);
  const double scale = static_cast<double>(in) / out;
  for (int y = 0; y < out; ++y) {
    const double sy = std::clamp((y + 0.5) * scale - 0.5, 0.0, in - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, in - 1);
    const double fy = sy - y0;
    for (int x = 0; x < out; ++x) {
      const double sx = std::clamp((x + 0.5) * scale - 0.5, 0.0, in - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, in - 1);
      const double fx = sx - x0;
      const double v = (1 - fy) * ((1 - fx) * src[y0 * in + x0] + fx * src[y0 * in + x1]) +
                       fy * ((1 - fx) * src[y1 * in + x0] + fx * src[y1 * in + x1]);
      dst[static_cast<size_t>(y) * out + x] = static_cast<uint8_t>(std::lround(v));
    }
  }
  return dst;
}

class JpegWriter {
 public:
  JpegWriter(int quality, bool rgb) : quality_(quality), rgb_(rgb), handle_(tjInitCompress()) {
    if (handle_ == nullptr) throw ptk::error("libjpeg-turbo: tjInitCompress failed");
  }
  ~JpegWriter() { tjDestroy(handle_); }
  JpegWriter(const JpegWriter&) = delete;
  JpegWriter& operator=(const JpegWriter&) = delete;

  std::string encode(const std::vector<uint8_t>& grey, int size) {
    std::vector<uint8_t> rgb;
    const uint8_t* pixels = grey.data();
    if (rgb_) {
      rgb.reserve(grey.size() * 3);
      for (uint8_t v : grey) rgb.insert(rgb.end(), {v, v, v});
      pixels = rgb.data();
    }
    unsigned char* jpeg = nullptr;
    unsigned long jpeg_size = 0;
    if (tjCompress2(handle_, pixels, size, 0, size, rgb_ ? TJPF_RGB : TJPF_GRAY, &jpeg, &jpeg_size,
                    rgb_ ? TJSAMP_444 : TJSAMP_GRAY, quality_, TJFLAG_ACCURATEDCT) != 0) {
      throw ptk::error("libjpeg-turbo: tjCompress2 failed: {}", tjGetErrorStr2(handle_));
    }
    std::string bytes(reinterpret_cast<const char*>(jpeg), jpeg_size);
    tjFree(jpeg);
    return bytes;
  }

 private:
  int quality_;
  bool rgb_;
  tjhandle handle_;
};

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ptk::error("cannot write {}: {}", path.string(), std::strerror(errno));
}

char name_buffer[64];
const char* image_name(const char* split, uint64_t i, const char* extension) {
  std::snprintf(name_buffer, sizeof(name_buffer), "%s_%06llu.%s", split,
                static_cast<unsigned long long>(i), extension);
  return name_buffer;
}

// Every demo.* key. The image counts are checked once the data set is read
// (check_image_counts).
struct DemoOptions {
  std::string out_dir = "demo-hashtags";
  std::string fashion_mnist_dir = ptk::demo::kDefaultFashionMnistDir;
  std::string wordnet_dir = ptk::vision::kDefaultWordNetDir;
  int64_t train_images = 12000;
  int64_t val_images = 2000;
  uint64_t seed = 1;
  int image_size = 32;
  bool rgb = false;
  int quality = 90;
  ptk::demo::HashtagRates rates;
};

ptk::config::OptionTable<DemoOptions> demo_data_table() {
  using O = DemoOptions;
  using R = ptk::demo::HashtagRates;
  using ptk::config::in_range;
  using ptk::config::nested;
  ptk::config::OptionTable<O> t;
  t.add("demo.output_dir", &O::out_dir, "output directory (created)")
      .add("demo.fashion_mnist_dir", &O::fashion_mnist_dir,
           "directory of the gzipped Fashion-MNIST IDX files")
      .add("demo.wordnet_dir", &O::wordnet_dir,
           "WordNet 3.0 database directory (index.noun, data.noun, noun.exc)")
      .add("demo.train_images", &O::train_images, "train images (<= 60000)")
      .add("demo.val_images", &O::val_images, "val images (<= 10000)")
      .add("demo.seed", &O::seed, "seed of image selection and hashtag simulation")
      .add("demo.image_size", &O::image_size, "28 (as stored) or 32 (bilinear upscale)",
           ptk::config::satisfies([](int64_t size) { return size == 28 || size == 32; },
                                  "must be 28 or 32"))
      .add("demo.rgb", &O::rgb, "write 3-channel JPEGs instead of greyscale")
      .add("demo.jpeg_quality", &O::quality, "JPEG quality 1..100", in_range(1, 100))
      .add("demo.class_tag_rate", nested(&O::rates, &R::class_tag),
           "probability of a tag naming the image's class", in_range(0.0, 1.0))
      .add("demo.hypernym_tag_rate", nested(&O::rates, &R::hypernym_tag),
           "probability of a hypernym tag (#garment, #footwear)", in_range(0.0, 1.0))
      .add("demo.wrong_tag_rate", nested(&O::rates, &R::wrong_tag),
           "probability of another class's tag", in_range(0.0, 1.0))
      .add("demo.popular_tag_rate", nested(&O::rates, &R::popular_tag),
           "probability of each of two popular unrelated tags", in_range(0.0, 1.0));
  return t;
}

void check_image_counts(const DemoOptions& o, const ptk::demo::FashionMnistSplit& train,
                        const ptk::demo::FashionMnistSplit& test) {
  if (o.train_images < 1 || static_cast<uint64_t>(o.train_images) > train.count) {
    throw ptk::usage_error("demo.train_images must be in 1..{}, got {}", train.count,
                           o.train_images);
  }
  if (o.val_images < 0 || static_cast<uint64_t>(o.val_images) > test.count) {
    throw ptk::usage_error("demo.val_images must be in 0..{}, got {}", test.count, o.val_images);
  }
}

// hashtags/images and imagenet/{train,val}/<wnid> for every class, so that writers never
// have to create a directory.
void create_output_dirs(const fs::path& out_dir) {
  fs::create_directories(out_dir / "hashtags" / "images");
  for (const char* split : {"train", "val"}) {
    for (const auto& c : ptk::demo::kFashionClasses) {
      fs::create_directories(out_dir / "imagenet" / split / ptk::vision::wnid(c.synset));
    }
  }
}

// A 28x28 Fashion-MNIST image as a JPEG of image_size pixels a side.
std::string encode_image(JpegWriter& jpeg, const uint8_t* pixels, int image_size) {
  std::vector<uint8_t> grey(pixels, pixels + 28 * 28);
  if (image_size != 28) grey = resize(pixels, 28, image_size);
  return jpeg.encode(grey, image_size);
}

// What the train images were tagged with, for the summary.
struct TrainTags {
  std::string manifest_path;
  uint64_t tag_count = 0;
  uint64_t untagged = 0;
};

// The train images: the hashtag set (images + manifest, renamed into place once complete, so
// a manifest is never partial) and the ImageNet train copy.
TrainTags write_train_images(const DemoOptions& o, const ptk::demo::FashionMnistSplit& train,
                             const std::array<ptk::demo::ClassTags, 10>& class_tags,
                             JpegWriter& jpeg) {
  const fs::path hashtag_dir = fs::path(o.out_dir) / "hashtags";
  TrainTags result;
  result.manifest_path = (hashtag_dir / "manifest.jsonl").string();
  const std::string manifest_tmp = result.manifest_path + ".tmp";
  std::ofstream manifest(manifest_tmp, std::ios::trunc);
  if (!manifest) throw ptk::error("cannot write {}: {}", manifest_tmp, std::strerror(errno));
  const ptk::data::FeistelPermutation train_pick(train.count, o.seed);
  for (int64_t i = 0; i < o.train_images; ++i) {
    const uint64_t source = train_pick(static_cast<uint64_t>(i));
    const int label = train.labels[source];
    const std::string bytes = encode_image(jpeg, train.image(source), o.image_size);
    const std::string wnid = ptk::vision::wnid(ptk::demo::kFashionClasses[label].synset);
    const std::string name = image_name("train", static_cast<uint64_t>(i), "jpg");
    write_file(hashtag_dir / "images" / name, bytes);
    write_file(fs::path(o.out_dir) / "imagenet" / "train" / wnid /
                   image_name("train", static_cast<uint64_t>(i), "JPEG"),
               bytes);
    const auto tags = ptk::demo::simulate_hashtags(label, class_tags, o.rates, o.seed, 0,
                                                   static_cast<uint64_t>(i));
    result.tag_count += tags.size();
    result.untagged += tags.empty();
    nlohmann::json line = {
        {"image", "images/" + name}, {"hashtags", tags}, {"label", label}, {"wnid", wnid}};
    manifest << line.dump() << '\n';
    if ((i + 1) % 2000 == 0) {
      std::cerr << "\rptk-demo-data: train " << (i + 1) << "/" << o.train_images << std::flush;
    }
  }
  manifest.close();
  if (!manifest) throw ptk::error("write to {} failed (disk full?)", manifest_tmp);
  fs::rename(manifest_tmp, result.manifest_path);
  return result;
}

// The val images, ImageNet layout only; drawn with seed + 1 from the test split.
void write_val_images(const DemoOptions& o, const ptk::demo::FashionMnistSplit& test,
                      JpegWriter& jpeg) {
  const ptk::data::FeistelPermutation val_pick(test.count, o.seed + 1);
  for (int64_t i = 0; i < o.val_images; ++i) {
    const uint64_t source = val_pick(static_cast<uint64_t>(i));
    const int label = test.labels[source];
    write_file(fs::path(o.out_dir) / "imagenet" / "val" /
                   ptk::vision::wnid(ptk::demo::kFashionClasses[label].synset) /
                   image_name("val", static_cast<uint64_t>(i), "JPEG"),
               encode_image(jpeg, test.image(source), o.image_size));
  }
}

void write_classes_tsv(const fs::path& out_dir,
                       const std::array<ptk::demo::ClassTags, 10>& class_tags) {
  std::ofstream classes(out_dir / "classes.tsv", std::ios::trunc);
  classes << "label\tname\twnid\twordnet_lemmas\tclass_tags\thypernym_tags\n";
  for (size_t k = 0; k < ptk::demo::kFashionClasses.size(); ++k) {
    const auto& c = ptk::demo::kFashionClasses[k];
    auto join = [](const std::vector<std::string>& items) {
      std::string text;
      for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
      return text;
    };
    classes << k << '\t' << c.name << '\t' << ptk::vision::wnid(c.synset) << '\t' << c.lemmas
            << '\t' << join(class_tags[k].synonyms) << '\t' << join(class_tags[k].hypernyms)
            << '\n';
  }
  if (!classes) throw ptk::error("cannot write {}", (out_dir / "classes.tsv").string());
}

// summary.json: every option as resolved, and the tag rates actually drawn.
void write_summary_json(const ptk::config::Config& config, const DemoOptions& o,
                        const TrainTags& tags) {
  nlohmann::json summary = {{"tool", "ptk-demo-data"},
                            {"options", nlohmann::json::parse(R"({})")},
                            {"train_images", o.train_images},
                            {"val_images", o.val_images},
                            {"hashtags_per_image", static_cast<double>(tags.tag_count) /
                                                       static_cast<double>(o.train_images)},
                            {"images_without_hashtags", tags.untagged},
                            {"rates",
                             {{"class_tag", o.rates.class_tag},
                              {"hypernym_tag", o.rates.hypernym_tag},
                              {"wrong_tag", o.rates.wrong_tag},
                              {"popular_tag", o.rates.popular_tag}}}};
  for (const auto& [key, value] : config.values()) {
    std::visit([&](const auto& v) { summary["options"][key] = v; }, value);
  }
  std::ofstream(fs::path(o.out_dir) / "summary.json", std::ios::trunc) << summary.dump(2) << '\n';
}

int run(int argc, char** argv) {
  const auto table = demo_data_table();
  const std::optional<ptk::config::Config> resolved =
      ptk::config::resolve_tool_command_line(kUsage, table.schema(), argc, argv);
  if (!resolved) return 0;
  const ptk::config::Config& config = *resolved;
  const DemoOptions o = table.read(config);

  const auto train = ptk::demo::read_fashion_mnist(o.fashion_mnist_dir, "train");
  const auto test = ptk::demo::read_fashion_mnist(o.fashion_mnist_dir, "t10k");
  check_image_counts(o, train, test);
  const auto wordnet = ptk::vision::WordNet::load(o.wordnet_dir);
  const ptk::vision::Canonicalizer canonicalizer(wordnet);
  const auto class_tags = ptk::demo::resolve_class_tags(canonicalizer);

  create_output_dirs(o.out_dir);
  JpegWriter jpeg(o.quality, o.rgb);
  const TrainTags tags = write_train_images(o, train, class_tags, jpeg);
  write_val_images(o, test, jpeg);
  if (o.train_images >= 2000) std::cerr << "\n";
  write_classes_tsv(o.out_dir, class_tags);
  write_summary_json(config, o, tags);

  std::cout << "ptk-demo-data: read Fashion-MNIST (" << train.count << " train, " << test.count
            << " test) and WordNet (" << wordnet.num_lemmas() << " noun lemmas); wrote "
            << o.train_images << " train images with " << tags.tag_count << " hashtags ("
            << static_cast<double>(tags.tag_count) / static_cast<double>(o.train_images)
            << " per image, " << tags.untagged << " with none) to " << tags.manifest_path
            << ", and " << o.train_images << " train + " << o.val_images
            << " val images in ImageNet layout under "
            << (fs::path(o.out_dir) / "imagenet").string() << " (" << o.image_size << "x"
            << o.image_size << (o.rgb ? " RGB" : " grey") << " JPEG, seed " << o.seed << ").\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-demo-data", [&] { return run(argc, argv); });
}
