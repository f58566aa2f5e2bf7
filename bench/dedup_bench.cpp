// ptk-wsl dedup's two costs, next to the Python route a user would write instead
// (bench/dedup_reference.py: PIL with JPEG draft mode + scipy's DCT over a multiprocessing.Pool,
// and a numpy matrix product for the search):
//  - describing images (decode, DCT-scaled, + the thumbnail descriptor): images/s on camera
//    photographs (1280-2560 px, Debian's mate-backgrounds) and on 500x375 crops of them, at 1
//    and N threads / processes;
//  - the nearest-evaluation-image search of 255-d vectors (synthetic, unit length): FAISS exact
//    (flat) and IVF against numpy's exact product, queries/s for E evaluation vectors;
//  - dedup.embedding=backbone: a randomly initialised ResNet (--arch, ResNet-50 by default) over
//    the first --backbone-images crops and their mirror images, against torchvision
//    (dedup_reference.py embed), images/s at 1 and N threads (0 images: skipped).
//
//   dedup_bench [--photos DIR] [--crops N] [--threads N] [--eval E] [--queries Q] [--runs N]
//               [--arch A] [--backbone-images N] [--no-reference]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/median.h"
#include "bench/shell_command.h"
#include "bench/test_photos.h"
#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/io/atomic_file.h"
#include "vision/dedup/backbone_embedder.h"
#include "vision/dedup/image_descriptor.h"
#include "vision/dedup/nearest_images.h"
#include "vision/transforms/image_decoder.h"

namespace fs = std::filesystem;

namespace ptk::bench {
namespace {

struct Flags {
  std::string photos = "/usr/share/backgrounds/mate/nature";
  int crops = 240;
  int threads = 2;
  int64_t eval = 100000;
  int64_t queries = 10000;
  int runs = 3;
  std::string arch = "resnet50";
  int backbone_images = 32;
  bool reference = true;
  std::string dir;
};

Flags parse_flags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-reference") {
      f.reference = false;
      continue;
    }
    if (i + 1 >= argc) throw usage_error("{}: missing value", arg);
    const std::string value = argv[++i];
    if (arg == "--photos") {
      f.photos = value;
    } else if (arg == "--crops") {
      f.crops = std::stoi(value);
    } else if (arg == "--threads") {
      f.threads = std::stoi(value);
    } else if (arg == "--eval") {
      f.eval = std::stoll(value);
    } else if (arg == "--queries") {
      f.queries = std::stoll(value);
    } else if (arg == "--runs") {
      f.runs = std::stoi(value);
    } else if (arg == "--arch") {
      f.arch = value;
    } else if (arg == "--backbone-images") {
      f.backbone_images = std::stoi(value);
    } else {
      throw usage_error("unknown flag {}", arg);
    }
  }
  return f;
}

// 500x375 crops of the photographs at seeded places, JPEG quality 90, written under `dir`.
std::vector<std::string> write_crops(const std::vector<std::string>& photos, int count,
                                     const std::string& dir) {
  fs::create_directories(dir);
  std::mt19937 rng(7);
  std::vector<std::string> files;
  for (int i = 0; i < count; ++i) {
    const cv::Mat photo = cv::imread(photos[static_cast<size_t>(i) % photos.size()]);
    const int x = static_cast<int>(rng() % static_cast<uint32_t>(photo.cols - 500 + 1));
    const int y = static_cast<int>(rng() % static_cast<uint32_t>(photo.rows - 375 + 1));
    const std::string file = fmt::format("{}/crop_{:04d}.jpg", dir, i);
    cv::imwrite(file, photo(cv::Rect(x, y, 500, 375)), {cv::IMWRITE_JPEG_QUALITY, 90});
    files.push_back(file);
  }
  return files;
}

double describe_seconds(const std::vector<std::string>& files, int threads) {
  const auto start = std::chrono::steady_clock::now();
  parallel_for(static_cast<int64_t>(files.size()), threads, [&](int64_t i) {
    const std::string bytes = io::read_file(files[static_cast<size_t>(i)]);
    vision::image_descriptor(vision::decode_image(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                  bytes.size(), "bench", 64, 64));
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The "seconds" field of the reference's one-line JSON answer.
double reference_seconds(const std::vector<std::string>& argv) {
  const ProcessResult result = run_process(argv);
  const size_t at = result.output.find("\"seconds\": ");
  if (result.exit_code != 0 || at == std::string::npos) {
    throw error("{} failed: {}", argv[1], result.output);
  }
  return std::stod(result.output.substr(at + 11));
}

void describe_rows(const Flags& f, const std::string& set, const std::vector<std::string>& files) {
  const std::string list = f.dir + "/" + set + ".txt";
  std::string text;
  for (const auto& file : files) text += file + "\n";
  io::write_file_atomic(list, text);
  for (const int threads : {1, f.threads}) {
    std::vector<double> ptk, python;
    describe_seconds(files, threads);  // warm-up: the page cache, the decoder handles
    for (int run = 0; run < f.runs; ++run) {
      ptk.push_back(static_cast<double>(files.size()) / describe_seconds(files, threads));
      if (f.reference) {
        python.push_back(
            static_cast<double>(files.size()) /
            reference_seconds({PTK_PYTHON, PTK_SOURCE_DIR "/bench/dedup_reference.py", "describe",
                               "--files", list, "--processes", std::to_string(threads)}));
      }
    }
    const std::string reference = f.reference ? fmt::format("{:.0f} | **{:.2f}x**", median(python),
                                                            median(ptk) / median(python))
                                              : "- | -";
    std::printf("| describe %s (%zu) | %d | %.0f | %s |\n", set.c_str(), files.size(), threads,
                median(ptk), reference.c_str());
  }
}

std::vector<float> unit_rows(int64_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(static_cast<size_t>(rows) * vision::kImageDescriptorSize);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = values.data() + r * vision::kImageDescriptorSize;
    double squares = 0;
    for (int c = 0; c < vision::kImageDescriptorSize; ++c) {
      row[c] = normal(rng);
      squares += row[c] * row[c];
    }
    for (int c = 0; c < vision::kImageDescriptorSize; ++c) row[c] /= std::sqrt(squares);
  }
  return values;
}

void search_rows(const Flags& f) {
  const std::vector<float> eval = unit_rows(f.eval, 1);
  const std::vector<float> queries = unit_rows(f.queries, 2);
  for (const bool exact : {true, false}) {
    const vision::NearestImages index(vision::kImageDescriptorSize, eval,
                                      exact ? f.eval : f.eval - 1);
    std::vector<double> ptk, python;
    for (int run = 0; run < f.runs; ++run) {
      const auto start = std::chrono::steady_clock::now();
      index.search(queries);
      ptk.push_back(
          static_cast<double>(f.queries) /
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (f.reference && exact) {
        python.push_back(
            static_cast<double>(f.queries) /
            reference_seconds({PTK_PYTHON, PTK_SOURCE_DIR "/bench/dedup_reference.py", "search",
                               "--eval", std::to_string(f.eval), "--queries",
                               std::to_string(f.queries), "--threads", std::to_string(f.threads)}));
      }
    }
    const std::string reference =
        f.reference && exact
            ? fmt::format("{:.0f} | **{:.2f}x**", median(python), median(ptk) / median(python))
            : "- | -";
    std::printf("| search %s, %ld evaluation vectors | %d | %.0f | %s |\n", exact ? "exact" : "IVF",
                static_cast<long>(f.eval), f.threads, median(ptk), reference.c_str());
  }
}

double embed_seconds(const vision::ImageEmbedder& embedder, const std::vector<std::string>& files) {
  std::vector<std::string> bytes;
  for (const std::string& file : files) bytes.push_back(io::read_file(file));
  std::vector<vision::EncodedImage> images;
  for (size_t i = 0; i < files.size(); ++i) {
    images.push_back(
        {reinterpret_cast<const uint8_t*>(bytes[i].data()), bytes[i].size(), files[i]});
  }
  const auto start = std::chrono::steady_clock::now();
  embedder.embed(images, /*with_mirror=*/true);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void backbone_rows(const Flags& f, const std::vector<std::string>& crops) {
  if (f.backbone_images <= 0) return;
  const std::vector<std::string> files(
      crops.begin(), crops.begin() + std::min<size_t>(crops.size(), f.backbone_images));
  const std::string list = f.dir + "/backbone.txt";
  std::string text;
  for (const auto& file : files) text += file + "\n";
  io::write_file_atomic(list, text);
  for (const int threads : {1, f.threads}) {
    vision::ImageNetEvalOptions options;
    options.init = vision::BackboneInit::kRandom;
    options.arch = f.arch;
    options.batch = 16;
    options.threads = threads;
    const auto embedder = vision::make_backbone_embedder(options);
    embed_seconds(*embedder, {files.front(), files.back()});  // warm-up
    std::vector<double> ptk, python;
    for (int run = 0; run < f.runs; ++run) {
      ptk.push_back(static_cast<double>(files.size()) / embed_seconds(*embedder, files));
      if (f.reference) {
        python.push_back(static_cast<double>(files.size()) /
                         reference_seconds({PTK_PYTHON, PTK_SOURCE_DIR "/bench/dedup_reference.py",
                                            "embed", "--files", list, "--threads",
                                            std::to_string(threads), "--arch", f.arch}));
      }
    }
    const std::string reference = f.reference ? fmt::format("{:.1f} | **{:.2f}x**", median(python),
                                                            median(ptk) / median(python))
                                              : "- | -";
    std::printf("| embed crops with %s + mirror (%zu) | %d | %.1f | %s |\n", f.arch.c_str(),
                files.size(), threads, median(ptk), reference.c_str());
  }
}

void run_bench(Flags& f) {
  fs::create_directories(f.dir);
  const std::vector<std::string> photos = list_photos(f.photos);
  std::printf("%zu photographs of %s; %d runs, medians\n\n", photos.size(), f.photos.c_str(),
              f.runs);
  std::printf("| what | threads | ptk per s | python per s | ratio |\n|---|---:|---:|---:|---:|\n");
  // Each photograph 8 times: enough images for a steady rate (the page cache holds them all).
  std::vector<std::string> repeated;
  for (int copy = 0; copy < 8; ++copy)
    repeated.insert(repeated.end(), photos.begin(), photos.end());
  describe_rows(f, "photographs", repeated);
  const std::vector<std::string> crops = write_crops(photos, f.crops, f.dir + "/crops");
  describe_rows(f, "crops", crops);
  search_rows(f);
  backbone_rows(f, crops);
}

}  // namespace
}  // namespace ptk::bench

int main(int argc, char** argv) {
  ptk::bench::Flags flags;
  try {
    flags = ptk::bench::parse_flags(argc, argv);
  } catch (const ptk::Error& e) {
    std::fprintf(stderr, "dedup_bench: error: %s\n", e.what());
    return e.exit_code();
  }
  return ptk::bench::run_in_work_dir("dedup_bench", flags.dir, "ptk_dedup_bench",
                                     [&] { ptk::bench::run_bench(flags); });
}
