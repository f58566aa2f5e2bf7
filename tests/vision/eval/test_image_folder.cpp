#include "tests/vision/eval/test_image_folder.h"

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

namespace ptk::vision::testing {

namespace fs = std::filesystem;

std::vector<std::string> write_image_folder(const std::string& root, int classes,
                                            int train_per_class, int val_per_class, int size,
                                            uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> wnids;
  for (int c = 0; c < classes; ++c) {
    char wnid[16];
    std::snprintf(wnid, sizeof wnid, "n%08d", c);
    wnids.push_back(wnid);
    for (const char* split : {"train", "val"}) {
      const int count = std::string(split) == "train" ? train_per_class : val_per_class;
      fs::create_directories(fs::path(root) / split / wnid);
      for (int i = 0; i < count; ++i) {
        cv::Mat image(size, size, CV_8UC3);
        cv::theRNG().state = rng();
        cv::randu(image, cv::Scalar::all(40), cv::Scalar::all(120));
        const cv::Scalar colour((c * 70) % 256, (c * 130 + 60) % 256, (c * 40 + 200) % 256);
        const int bar = size / 4;
        const int x = (c * bar) % (size - bar);
        const int jitter = static_cast<int>(rng() % 3);
        cv::rectangle(image, cv::Rect(x + jitter, 0, bar, size), colour, cv::FILLED);
        std::vector<uint8_t> bytes;
        cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, 95});
        const fs::path path = fs::path(root) / split / wnid /
                              (std::string(split) + "_" + std::to_string(i) + ".JPEG");
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
      }
    }
  }
  return wnids;
}

}  // namespace ptk::vision::testing
