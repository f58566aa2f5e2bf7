// init.from's reading and fitting of weights: every accepted form (safetensors, .pth, an HF
// folder), every kind of difference listed in one error that leaves the model untouched, and
// init.exclude for a new head.
#include "common/train/weight_import.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "common/base/error.h"
#include "common/io/safetensors.h"
#include "common/io/state_dict.h"

namespace ptk::train {
namespace {

namespace fs = std::filesystem;

class WeightImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ptk-import-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  // A trunk ("0.*") and a head ("1.*") with `classes` outputs.
  static torch::nn::Sequential model(int64_t classes, uint64_t seed) {
    torch::manual_seed(seed);
    return torch::nn::Sequential(torch::nn::Linear(4, 6), torch::nn::Linear(6, classes));
  }

  std::string root_;
};

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(WeightImportTest, EveryFileFormGivesTheSavedTensors) {
  auto source = model(3, 1);
  const io::StateDict state = io::module_state_dict(*source);
  io::save_safetensors(root_ + "/w.safetensors", state);
  io::save_torch_state_dict(root_ + "/w.pth", state);
  fs::create_directories(root_ + "/hf");
  io::save_safetensors(root_ + "/hf/model.safetensors", state);
  for (const char* path : {"/w.safetensors", "/w.pth", "/hf"}) {
    auto target = model(3, 2);
    const ImportSummary summary = import_weights(*target, read_weight_file(root_ + path), {}, path);
    EXPECT_EQ(summary.loaded, 4u) << path;
    EXPECT_TRUE(torch::equal(target[0]->as<torch::nn::Linear>()->weight,
                             source[0]->as<torch::nn::Linear>()->weight))
        << path;
  }
}

TEST_F(WeightImportTest, UnreadablePathsAreUsageErrorsNamingThem) {
  EXPECT_NE(error_of([&] { read_weight_file(root_ + "/nope.pth"); }).find("nope.pth"),
            std::string::npos);
  std::ofstream(root_ + "/w.onnx") << "x";
  EXPECT_NE(error_of([&] { read_weight_file(root_ + "/w.onnx"); }).find(".safetensors"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_weight_file(root_); }).find("model.safetensors"),
            std::string::npos);
  std::ofstream(root_ + "/garbage.safetensors") << "not a safetensors file at all";
  EXPECT_NE(error_of([&] { read_weight_file(root_ + "/garbage.safetensors"); }).find("garbage"),
            std::string::npos);
}

TEST_F(WeightImportTest, AllDifferencesAreListedAndNothingIsLoaded) {
  io::StateDict state = io::module_state_dict(*model(5, 1));  // head of 5 classes
  state.erase(state.begin());                                 // no 0.weight
  state.emplace_back("extra.weight", torch::zeros({2}));
  auto target = model(3, 2);
  const torch::Tensor before = target[0]->as<torch::nn::Linear>()->bias.clone();
  const std::string message = error_of([&] { import_weights(*target, state, {}, "weights.pth"); });
  EXPECT_NE(message.find("weights.pth"), std::string::npos) << message;
  EXPECT_NE(message.find("not in the file (1): 0.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("not in the model (1): extra.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("1.weight file [5, 6] model [3, 6]"), std::string::npos) << message;
  EXPECT_NE(message.find("1.bias file [5] model [3]"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(target[0]->as<torch::nn::Linear>()->bias, before));
}

TEST_F(WeightImportTest, ExcludedPrefixesKeepANewHead) {
  auto source = model(5, 1);
  auto target = model(3, 2);
  const torch::Tensor head = target[1]->as<torch::nn::Linear>()->weight.clone();
  const ImportSummary summary =
      import_weights(*target, io::module_state_dict(*source), {"1."}, "imagenet.pth");
  EXPECT_EQ(summary.loaded, 2u);
  EXPECT_EQ(summary.kept_initial, (std::vector<std::string>{"1.weight", "1.bias"}));
  EXPECT_EQ(summary.ignored.size(), 2u);
  EXPECT_TRUE(torch::equal(target[1]->as<torch::nn::Linear>()->weight, head));
  EXPECT_TRUE(torch::equal(target[0]->as<torch::nn::Linear>()->weight,
                           source[0]->as<torch::nn::Linear>()->weight));
}

}  // namespace
}  // namespace ptk::train
