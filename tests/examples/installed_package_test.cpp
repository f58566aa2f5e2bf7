// The libraries install as a CMake package: `cmake --install`, then a program outside the tree
// (examples/feature_extractor) finds it with find_package(pretrainkit), links
// pretrainkit::vision, loads an exported backbone and prints the same features as the toolkit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/io/safetensors.h"
#include "common/io/state_dict.h"
#include "vision/models/resnet.h"
#include "vision/transforms/augment.h"

namespace fs = std::filesystem;

namespace {

// Runs a shell command; returns its exit status and fills `output` with stdout + stderr.
int run(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  output->clear();
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) *output += buffer;
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

std::vector<uint8_t> make_jpeg() {
  cv::Mat image(30, 40, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      image.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>(6 * x), static_cast<uint8_t>(8 * y),
                    static_cast<uint8_t>((x * y) % 256));
    }
  }
  std::vector<uint8_t> bytes;
  cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, 92});
  return bytes;
}

TEST(InstalledPackage, ExampleOutsideTheTreePrintsTheToolkitsFeatures) {
  fs::path root = fs::temp_directory_path() / ("ptk_package_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);

  // An exported backbone with a 5-class head, and an image.
  ptk::vision::ResNetConfig config = ptk::vision::resnet_config("resnext_tiny");
  config.num_classes = 5;
  torch::manual_seed(7);
  ptk::vision::ResNet model(config);
  model->eval();
  ptk::io::save_safetensors((root / "backbone.safetensors").string(),
                            ptk::io::module_state_dict(*model));
  std::vector<uint8_t> jpeg = make_jpeg();
  std::ofstream(root / "image.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());

  std::string output;
  ASSERT_EQ(run(std::string(PTK_CMAKE_COMMAND) + " --install " + quoted(PTK_BINARY_DIR) +
                    " --prefix " + quoted(root / "prefix"),
                &output),
            0)
      << output;
  ASSERT_TRUE(fs::exists(root / "prefix/include/vision/models/resnet.h"));

  std::string launcher = std::string(PTK_CCACHE).empty()
                             ? ""
                             : " -DCMAKE_CXX_COMPILER_LAUNCHER=" + std::string(PTK_CCACHE);
  ASSERT_EQ(run(std::string(PTK_CMAKE_COMMAND) + " -G Ninja -S " +
                    quoted(fs::path(PTK_SOURCE_DIR) / "examples/feature_extractor") + " -B " +
                    quoted(root / "fx") + " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" +
                    quoted(root / "prefix") + launcher,
                &output),
            0)
      << output;
  ASSERT_EQ(run(std::string(PTK_CMAKE_COMMAND) + " --build " + quoted(root / "fx"), &output), 0)
      << output;
  ASSERT_EQ(
      run(quoted(root / "fx/feature_extractor") + " resnext_tiny " +
              quoted(root / "backbone.safetensors") + " " + quoted(root / "image.jpg") + " 36 32",
          &output),
      0)
      << output;

  // The same features computed here.
  ptk::vision::EvalTransform transform;
  transform.resize_size = 36;
  transform.crop_size = 32;
  std::vector<float> pixels = transform(jpeg.data(), jpeg.size(), "image.jpg");
  torch::NoGradGuard no_grad;
  at::Tensor expected = model->features(torch::from_blob(pixels.data(), {1, 3, 32, 32}).clone())[0];

  std::istringstream printed(output);
  std::string word;
  printed >> word;
  ASSERT_EQ(word, "features") << output;
  printed >> word;
  ASSERT_EQ(word, std::to_string(expected.size(0)) + ":") << output;
  for (int64_t i = 0; i < expected.size(0); ++i) {
    double value = 0;
    ASSERT_TRUE(printed >> value) << "feature " << i << " missing: " << output;
    EXPECT_NEAR(value, expected[i].item<double>(), 1e-4 + 1e-5 * std::abs(value)) << i;
  }
  fs::remove_all(root);
}

}  // namespace
