// Training-image loading throughput: the wsl recipe's path (image shards read by HashtagStream:
// libjpeg-turbo decode, DCT-scaled when the crop allows, RandomResizedCrop 224, flip, normalise,
// batches of 32 as a float tensor) against what a PyTorch user runs instead
// (bench/image_load_reference.py: ImageFolder + PIL + torchvision transforms through a
// DataLoader), with 1 and 2 decode threads / DataLoader workers, on the same JPEGs, from a warm
// page cache. The test set is cut from the photographs of Debian's mate-backgrounds package and
// re-encoded at ImageNet's typical size and quality; runs alternate between the two loaders so
// that other load on the machine hits both alike.
//
//   image_load_bench [--photos DIR] [--dir DIR] [--images N] [--epochs E] [--runs R]
#include <fmt/format.h>
#include <sys/resource.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/median.h"
#include "bench/reference_script.h"
#include "bench/test_photos.h"
#include "bench/wsl_train_stream.h"
#include "common/base/error.h"
#include "common/data/philox.h"
#include "common/data/shard_reader.h"
#include "common/data/shard_writer.h"
#include "common/io/atomic_file.h"
#include "vision/transforms/augment.h"
#include "vision/transforms/image_decoder.h"

namespace {

using ptk::bench::median;

namespace fs = std::filesystem;
using namespace ptk;

// The nature photographs of Debian's mate-backgrounds: 12 camera JPEGs of 1280-2560 px.
constexpr char kDefaultPhotoDir[] = "/usr/share/backgrounds/mate/nature";
constexpr int64_t kBatch = bench::WslTrainStream::kBatch;
constexpr int kQuality = 90;

// ImageNet's training JPEGs are mostly 500 px on the long side, 4:3 or 3:2, landscape more
// often than portrait; drawn uniformly from this list.
struct Shape {
  int width;
  int height;
};
constexpr Shape kShapes[] = {{500, 375}, {500, 375}, {500, 375}, {500, 333}, {375, 500}};

struct Options {
  std::string photos = kDefaultPhotoDir;
  std::string dir;
  int images = 320;
  int epochs = 4;
  int runs = 3;
};

// Loader throughput per wall-clock second and per CPU-second (all threads of this process, or
// the reference's process and its workers). The second is the cost per core, which holds up
// better than the first when other work shares the machine.
struct Measurement {
  double images_per_s = 0;
  double images_per_cpu_s = 0;
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class JpegEncoder {
 public:
  JpegEncoder() : handle_(tjInitCompress()) {
    if (handle_ == nullptr) throw error("TurboJPEG: tjInitCompress failed");
  }
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;
  ~JpegEncoder() { tjDestroy(handle_); }

  // 4:2:0 chroma, as cameras and ImageNet's JPEGs store it.
  std::vector<uint8_t> encode(const vision::Image& image, int quality) {
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    if (tjCompress2(handle_, image.pixels.data(), image.width, /*pitch=*/0, image.height, TJPF_RGB,
                    &jpeg, &size, TJSAMP_420, quality, /*flags=*/0) != 0) {
      tjFree(jpeg);
      throw error("TurboJPEG: tjCompress2 failed: {}", tjGetErrorStr2(handle_));
    }
    std::vector<uint8_t> bytes(jpeg, jpeg + size);
    tjFree(jpeg);
    return bytes;
  }

 private:
  tjhandle handle_;
};

// Cuts `images` crops from the photos (image i from photo i mod P, at a random place, between
// 50% and 100% of the largest box of its shape), resizes each to an ImageNet shape and writes the
// same JPEG bytes twice: as an ImageFolder tree (one class per photo) under `dir`/images for
// torchvision, and as an image shard set under `dir`/shards for the toolkit. Large crops because
// ImageNet's photos are whole camera frames scaled down, and these smooth wallpapers need the
// detail that scaling down brings to come near ImageNet's file sizes.
void write_sets(const Options& o, const std::vector<std::string>& photos) {
  const size_t count = photos.size();
  data::ShardWriterOptions shard_options;
  shard_options.dir = o.dir + "/shards";
  shard_options.kind = data::ShardKind::kImage;
  shard_options.built_by = "image_load_bench";
  data::ShardSetWriter shards(shard_options);
  JpegEncoder encoder;
  std::vector<std::vector<int>> per_photo(count);
  for (int i = 0; i < o.images; ++i) per_photo[static_cast<size_t>(i) % count].push_back(i);
  // One photo decoded at a time: 12 MB of pixels at most, not all of them at once.
  std::vector<data::ImageRecord> records(static_cast<size_t>(o.images));
  for (size_t p = 0; p < count; ++p) {
    const std::string bytes = io::read_file(photos[p]);
    const vision::Image photo = vision::decode_image(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                     bytes.size(), photos[p]);
    const std::string label = fs::path(photos[p]).stem().string();
    fs::create_directories(o.dir + "/images/" + label);
    for (int i : per_photo[p]) {
      data::SampleRng rng(7, 0, static_cast<uint64_t>(i));
      const Shape shape = kShapes[rng.uniform_int(std::size(kShapes))];
      const double largest = std::min(static_cast<double>(photo.width) / shape.width,
                                      static_cast<double>(photo.height) / shape.height);
      const double side = largest * (0.5 + 0.5 * rng.uniform_double());
      vision::CropBox box;
      box.width = std::max(1, static_cast<int>(shape.width * side));
      box.height = std::max(1, static_cast<int>(shape.height * side));
      box.x = static_cast<int>(rng.uniform_int(static_cast<uint64_t>(photo.width - box.width) + 1));
      box.y =
          static_cast<int>(rng.uniform_int(static_cast<uint64_t>(photo.height - box.height) + 1));
      data::ImageRecord& record = records[static_cast<size_t>(i)];
      record.bytes =
          encoder.encode(vision::resize_region(photo, box, shape.width, shape.height), kQuality);
      record.labels = {static_cast<int32_t>(p)};
      char name[32];
      std::snprintf(name, sizeof(name), "%05d.jpg", i);
      record.key = label + "/" + name;
      std::ofstream file(o.dir + "/images/" + record.key, std::ios::binary);
      file.write(reinterpret_cast<const char*>(record.bytes.data()),
                 static_cast<std::streamsize>(record.bytes.size()));
      fail_if(!file, "cannot write {}/images/{}", o.dir, record.key);
    }
  }
  // Records in index order, so sample i of the shard set is image i.
  uint64_t total_bytes = 0;
  for (const auto& record : records) {
    total_bytes += record.bytes.size();
    shards.add(record);
  }
  shards.finish();
  std::printf("test set: %d JPEGs (%.0f KB on average, quality %d) cut from %zu photos of %s\n",
              o.images, total_bytes / 1e3 / o.images, kQuality, count, o.photos.c_str());
  std::fflush(stdout);
}

// The recipe's training stream (bench/wsl_train_stream.h), read for `epochs` passes over the set.
// CPU time counts from just before the stream opens to the last batch, as its wall clock does.
Measurement run_toolkit(const std::shared_ptr<const data::ShardSet>& shards, size_t classes,
                        int threads, int epochs) {
  const bench::WslTrainStream stream(shards, classes, threads);
  const int64_t batches = epochs * (stream.samples() / kBatch);
  const double cpu_start = cpu_seconds();
  const bench::WslTrainStream::Read read = stream.read(batches);
  const double cpu = cpu_seconds() - cpu_start;
  return {read.images / read.seconds, read.images / cpu};
}

Measurement run_reference(const std::string& folder, int threads, int epochs) {
  const std::string output = bench::run_reference_script(
      "image_load_reference.py", fmt::format("{} {} {}", folder, threads, epochs));
  const double images = bench::reported_value(output, "images");
  const double per_s = bench::reported_value(output, "images_per_s");
  const double cpu_s = bench::reported_value(output, "cpu_s");
  if (images <= 0 || per_s <= 0 || cpu_s <= 0) {
    std::fprintf(stderr, "reference image_load_reference.py failed: %s\n", output.c_str());
    return {};
  }
  return {per_s, images / cpu_s};
}

std::string with_commas(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// "**2.03x** (1.98, 2.03, 2.07)": the median ratio, then every run's, ascending. Two decimals,
// because the goal this bench checks (2x the Python loader per core) is close to what it measures.
std::string ratio_cell(std::vector<double> ratios) {
  std::sort(ratios.begin(), ratios.end());
  char cell[64];
  std::snprintf(cell, sizeof(cell), "**%.2fx** (", median(ratios));
  std::string text = cell;
  for (size_t i = 0; i < ratios.size(); ++i) {
    std::snprintf(cell, sizeof(cell), "%s%.2f", i == 0 ? "" : ", ", ratios[i]);
    text += cell;
  }
  return text + ")";
}

// Everything after the command line: the sets, the timed runs, then the table.
void run_bench(const Options& o, const char* program) {
  // Only what this bench writes is replaced: --dir may name a folder that holds other things.
  fs::remove_all(o.dir + "/images");
  fs::remove_all(o.dir + "/shards");
  const std::vector<std::string> photos = bench::list_photos(o.photos);
  write_sets(o, photos);
  const auto shards = std::make_shared<const data::ShardSet>(o.dir + "/shards");
  std::vector<std::string> rows;
  for (int threads : {1, 2}) {
    std::vector<double> ptk_rate, ptk_cpu, ref_rate, ref_cpu, ratio, cpu_ratio;
    for (int run = 1; run <= o.runs; ++run) {
      const Measurement ptk = run_toolkit(shards, photos.size(), threads, o.epochs);
      const Measurement ref = run_reference(o.dir + "/images", threads, o.epochs);
      fail_if(ref.images_per_s <= 0, "the torchvision reference failed (see above)");
      std::printf(
          "threads %d run %d: ptk %.0f images/s (%.0f per CPU-s), torchvision %.0f images/s "
          "(%.0f per CPU-s)\n",
          threads, run, ptk.images_per_s, ptk.images_per_cpu_s, ref.images_per_s,
          ref.images_per_cpu_s);
      std::fflush(stdout);
      ptk_rate.push_back(ptk.images_per_s);
      ptk_cpu.push_back(ptk.images_per_cpu_s);
      ref_rate.push_back(ref.images_per_s);
      ref_cpu.push_back(ref.images_per_cpu_s);
      ratio.push_back(ptk.images_per_s / ref.images_per_s);
      cpu_ratio.push_back(ptk.images_per_cpu_s / ref.images_per_cpu_s);
    }
    rows.push_back(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", threads,
                               with_commas(median(ptk_rate)), with_commas(median(ref_rate)),
                               ratio_cell(ratio), with_commas(median(ptk_cpu)),
                               with_commas(median(ref_cpu)), ratio_cell(cpu_ratio)));
  }
  std::printf(
      "\n| threads | ptk images/s | torchvision images/s | ratio (%d runs) | "
      "ptk images per CPU-s | torchvision images per CPU-s | ratio per CPU-s |\n"
      "|---:|---:|---:|---|---:|---:|---|\n",
      o.runs);
  for (const auto& row : rows) std::printf("%s\n", row.c_str());
  std::printf("\ncommand: %s --photos %s --images %d --epochs %d --runs %d\n", program,
              o.photos.c_str(), o.images, o.epochs, o.runs);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--photos")
      o.photos = argv[i + 1];
    else if (flag == "--dir")
      o.dir = argv[i + 1];
    else if (flag == "--images")
      o.images = std::stoi(argv[i + 1]);
    else if (flag == "--epochs")
      o.epochs = std::stoi(argv[i + 1]);
    else if (flag == "--runs")
      o.runs = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: image_load_bench [--photos DIR] [--dir DIR] [--images N] "
                   "[--epochs E] [--runs R]\n");
      return 2;
    }
  }
  if ((argc - 1) % 2 != 0 || o.images < kBatch || o.epochs < 1 || o.runs < 1) {
    std::fprintf(stderr,
                 "image_load_bench: error: flags take one value each; --images >= %lld, "
                 "--epochs and --runs >= 1\n",
                 static_cast<long long>(kBatch));
    return 2;
  }
  return bench::run_in_work_dir("image_load_bench", o.dir, "ptk-image-load-bench",
                                [&] { run_bench(o, argv[0]); });
}
