// EvalTransform against torchvision's Resize(256) + CenterCrop(224) + ToTensor + Normalize on
// the same files (Debian's python3-torchvision, PIL decode): evaluation numbers are only
// comparable with published ones if the preprocessing matches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/vision/transforms/test_images.h"
#include "vision/transforms/augment.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

struct Comparison {
  double psnr;       // over the de-normalised [0, 1] values
  double max_error;  // largest difference of a de-normalised value
};

class EvalTransformPython : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("ptk_eval_transform_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs torchvision on `bytes` (written to a file) and compares with `transform`.
  Comparison compare(const std::vector<uint8_t>& bytes, const std::string& name,
                     const EvalTransform& transform) {
    const fs::path image = dir_ / name;
    const fs::path out = dir_ / (name + ".f32");
    std::ofstream(image, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                                "/tests/vision/transforms/eval_transform_reference.py " +
                                image.string() + " " + out.string() + " " +
                                std::to_string(transform.resize_size) + " " +
                                std::to_string(transform.crop_size) + " 2>&1";
    std::string log;
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    if (pipe == nullptr) return {0, 1e9};
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) log += buffer;
    EXPECT_EQ(pclose(pipe), 0) << log;

    std::vector<float> reference(transform.output_floats());
    std::ifstream in(out, std::ios::binary);
    in.read(reinterpret_cast<char*>(reference.data()),
            static_cast<std::streamsize>(reference.size() * sizeof(float)));
    EXPECT_EQ(static_cast<size_t>(in.gcount()), reference.size() * sizeof(float)) << log;

    const std::vector<float> ours = transform(bytes.data(), bytes.size(), name);
    const size_t plane = reference.size() / 3;
    double squared = 0, max_error = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      const double diff = (ours[i] - reference[i]) * transform.normalization.std[i / plane];
      squared += diff * diff;
      max_error = std::max(max_error, std::abs(diff));
    }
    return {10 * std::log10(static_cast<double>(ours.size()) / std::max(squared, 1e-12)),
            max_error};
  }

  fs::path dir_;
};

TEST_F(EvalTransformPython, MatchesTorchvisionOnPng) {
  for (const auto& [w, h] : {std::pair{500, 375}, std::pair{375, 500}, std::pair{640, 640}}) {
    const auto png = testing::encode(testing::natural_scene(w, h, 12), ".png");
    const Comparison c = compare(png, "scene.png", EvalTransform{});
    std::printf("%dx%d PNG: PSNR %.1f dB, max error %.3f\n", w, h, c.psnr, c.max_error);
    EXPECT_GT(c.psnr, 40.0) << w << "x" << h;
  }
}

TEST_F(EvalTransformPython, MatchesTorchvisionOnLargeJpegWithAndWithoutDctScaling) {
  const auto jpeg = testing::encode(testing::natural_scene(1600, 1200, 13), ".jpg", 92);
  EvalTransform full;
  full.dct_scaling = false;
  const Comparison exact = compare(jpeg, "big.jpg", full);
  const Comparison scaled = compare(jpeg, "big.jpg", EvalTransform{});
  std::printf("1600x1200 JPEG: PSNR %.1f dB full decode, %.1f dB DCT-scaled\n", exact.psnr,
              scaled.psnr);
  EXPECT_GT(exact.psnr, 40.0);
  EXPECT_GT(scaled.psnr, 40.0);
}

}  // namespace
}  // namespace ptk::vision
