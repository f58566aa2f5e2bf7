#include "common/io/state_dict.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/nn.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "tests/common/io/test_dir.h"

namespace ptk::io {
namespace {

using testing::TestDir;

// Registers a child before its own parameter and buffer: PyTorch still lists the module's own
// tensors first, so this catches an implementation that follows registration order blindly.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    body = register_module(
        "body",
        torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).bias(false)),
                              torch::nn::BatchNorm2d(4)));
    scale = register_parameter("scale", at::ones({4}));
    steps = register_buffer("steps", at::zeros({1}, at::kLong));
    head = register_module("head", torch::nn::Linear(4, 2));
  }
  torch::nn::Sequential body{nullptr};
  at::Tensor scale, steps;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Block);

const std::vector<std::string> kBlockKeys = {"scale",
                                             "steps",
                                             "body.0.weight",
                                             "body.1.weight",
                                             "body.1.bias",
                                             "body.1.running_mean",
                                             "body.1.running_var",
                                             "body.1.num_batches_tracked",
                                             "head.weight",
                                             "head.bias"};

std::vector<std::string> keys(const StateDict& state) {
  std::vector<std::string> out;
  for (const auto& item : state) out.push_back(item.first);
  return out;
}

// Fills every tensor with distinct values so a swapped key would be noticed.
void randomise(Block& block, int seed) {
  torch::NoGradGuard no_grad;
  int i = seed;
  for (auto& [name, tensor] : module_state_dict(*block)) {
    tensor.copy_(at::arange(tensor.numel(), at::kDouble).reshape(tensor.sizes()) * 0.25 + i++);
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(StateDict, KeysFollowPyTorchOrder) {
  Block block;
  EXPECT_EQ(keys(module_state_dict(*block)), kBlockKeys);
}

TEST(StateDict, ModuleRoundTripThroughTorchPickle) {
  TestDir dir;
  Block source;
  randomise(source, 3);
  save_torch_state_dict(dir.file("model.pt"), module_state_dict(*source));

  const StateDict loaded = load_torch_state_dict(dir.file("model.pt"));
  EXPECT_EQ(keys(loaded), kBlockKeys);
  Block target;
  load_module_state_dict(*target, loaded, /*strict=*/true);
  const StateDict want = module_state_dict(*source);
  const StateDict got = module_state_dict(*target);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].second.scalar_type(), want[i].second.scalar_type());
    EXPECT_TRUE(at::equal(got[i].second, want[i].second)) << want[i].first;
  }
  // Loaded values are copied in place: the module keeps its own parameter tensors.
  EXPECT_TRUE(target->scale.requires_grad());
  EXPECT_TRUE(at::equal(target->scale, source->scale));
}

TEST(StateDict, StrictMismatchListsEveryProblemInOneErrorAndChangesNothing) {
  Block block;
  randomise(block, 1);
  StateDict state = module_state_dict(*block);
  Block target;
  const at::Tensor before = target->head->weight.clone();
  state.erase(state.begin() + 9);  // head.bias
  state.emplace_back("extra.weight", at::ones({2}));
  state[0].second = at::ones({5});  // scale: [4] in the module
  const std::string msg = error_of([&] { load_module_state_dict(*target, state, true); });
  EXPECT_NE(msg.find("missing keys: \"head.bias\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected keys: \"extra.weight\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("size mismatch for \"scale\": expected [4] (module) got [5] (state dict)"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(at::equal(target->head->weight, before));
}

TEST(StateDict, NonStrictIgnoresKeySetsButNotShapes) {
  Block source;
  randomise(source, 5);
  StateDict state = module_state_dict(*source);
  state.erase(state.begin());  // scale
  state.emplace_back("extra", at::ones({1}));
  Block target;
  const at::Tensor scale_before = target->scale.clone();
  load_module_state_dict(*target, state, /*strict=*/false);
  EXPECT_TRUE(at::equal(target->head->weight, source->head->weight));
  EXPECT_TRUE(at::equal(target->scale, scale_before));

  state[0].second = at::zeros({9});  // steps: [1] in the module
  const std::string msg = error_of([&] { load_module_state_dict(*target, state, false); });
  EXPECT_NE(msg.find("size mismatch for \"steps\""), std::string::npos) << msg;
  EXPECT_EQ(msg.find("unexpected"), std::string::npos) << msg;
}

TEST(StateDict, GarbageEmptyAndWrongPickleFilesAreClearErrors) {
  TestDir dir;
  const std::string path = dir.file("bad.pt");
  const std::vector<std::string> contents = {
      "",
      "not a checkpoint at all\n",
      std::string(1000, '\0'),
      "PK\x03\x04garbage zip",
      "\x80\x02}q\x00.",  // a protocol-2 pickle of an empty dict, but no archive around it
  };
  for (const std::string& bytes : contents) {
    write_file_atomic(path, bytes);
    const std::string msg = error_of([&] { load_torch_state_dict(path); });
    EXPECT_NE(msg.find("bad.pt"), std::string::npos) << "content size " << bytes.size();
  }
  const auto list = torch::jit::pickle_save(c10::IValue(c10::List<int64_t>({1, 2})));
  write_file_atomic(path, list.data(), list.size());
  const std::string msg = error_of([&] { load_torch_state_dict(path); });
  EXPECT_NE(msg.find("not a dict of str -> Tensor"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { load_torch_state_dict(dir.file("absent.pt")); }).find("absent.pt"),
            std::string::npos);
}

TEST(StateDict, EveryTruncationOfAPickleIsAnError) {
  TestDir dir;
  Block block;
  save_torch_state_dict(dir.file("model.pt"), module_state_dict(*block));
  const std::string bytes = read_file(dir.file("model.pt"));
  const std::string cut = dir.file("cut.pt");
  // Each LibTorch failure captures a backtrace (~10 ms), so every length near the ends of the
  // archive (local headers, central directory) and a stride through the middle are tried.
  for (std::size_t len = 0; len < bytes.size();
       len += (len < 64 || len + 64 > bytes.size()) ? 1 : 13) {
    write_file_atomic(cut, bytes.substr(0, len));
    const std::string msg = error_of([&] { load_torch_state_dict(cut); });
    ASSERT_NE(msg.find("cut.pt"), std::string::npos) << "truncation to " << len << ": " << msg;
  }
}

}  // namespace
}  // namespace ptk::io
