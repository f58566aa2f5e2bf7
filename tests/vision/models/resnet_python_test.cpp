// ResNeXt weights move both ways between pretrainkit and Debian's torchvision with strict
// loading and the same logits, the module tree and key order are torchvision's, and every
// preset's parameter count equals torchvision's (the large ones counted on the meta device).
// The Python side is resnet_interop.py next to this file, run with PTK_PYTHON.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/io/state_dict.h"
#include "tests/common/io/test_dir.h"
#include "vision/models/resnet.h"

namespace ptk::vision {
namespace {

using io::testing::TestDir;

constexpr int64_t kBatch = 2, kChannels = 3, kSide = 64;
const std::string kShapeArgs = "2 3 64 64";

// Runs resnet_interop.py with `args`; returns its exit status, output in `output`.
int run_python(const std::string& args, std::string* output) {
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/vision/models/resnet_interop.py " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  return ::pclose(pipe);
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

void write_raw(const std::string& path, const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * sizeof(float));
}

at::Tensor read_raw(const std::string& path, at::IntArrayRef shape) {
  at::Tensor t = at::empty(shape, at::kFloat);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * sizeof(float));
  EXPECT_EQ(in.gcount(), static_cast<std::streamsize>(t.numel() * sizeof(float))) << path;
  return t;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Random BN statistics and affine parameters, so eval logits depend on every buffer.
void randomise_batch_norms(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules()) {
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.uniform_(0.3, 0.7);
      bn->bias.uniform_(-0.2, 0.2);
      bn->running_mean.uniform_(-0.2, 0.2);
      bn->running_var.uniform_(0.5, 1.5);
      bn->num_batches_tracked.fill_(41);
    }
  }
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(ResNetPython, TorchvisionLoadsOurWeightsStrictlyWithSameLogits) {
  TestDir dir;
  at::manual_seed(7);
  ResNet model(resnet_config("resnext50_32x4d"));
  randomise_batch_norms(*model);
  model->eval();
  io::save_torch_state_dict(dir.file("weights.pt"), io::module_state_dict(*model));
  const at::Tensor x = at::randn({kBatch, kChannels, kSide, kSide});
  write_raw(dir.file("input.bin"), x);

  std::string output;
  ASSERT_EQ(run_python("to-torchvision " + quoted(dir.file("weights.pt")) + " " +
                           quoted(dir.file("input.bin")) + " " + kShapeArgs + " " +
                           quoted(dir.file("logits.bin")) + " " + quoted(dir.file("modules.txt")),
                       &output),
            0)
      << output;
  const at::Tensor theirs = read_raw(dir.file("logits.bin"), {kBatch, 1000});
  const at::Tensor ours = model->forward(x);
  EXPECT_LT(max_abs_diff(ours, theirs), 1e-4) << "logit scale " << ours.abs().max().item<double>();
  EXPECT_GT(ours.std().item<double>(), 1e-3);  // not a degenerate, constant output

  // Same module tree: named_modules() in the same order ("" is the root in both).
  std::vector<std::string> names;
  for (const auto& item : model->named_modules()) names.push_back(item.key());
  EXPECT_EQ(names, read_lines(dir.file("modules.txt")));
}

TEST(ResNetPython, LoadsTorchvisionWeightsStrictlyWithSameLogits) {
  TestDir dir;
  std::string output;
  ASSERT_EQ(run_python("from-torchvision " + quoted(dir.path()) + " " + kShapeArgs, &output), 0)
      << output;
  const io::StateDict state = io::load_torch_state_dict(dir.file("weights.pt"));
  ResNet model(resnet_config("resnext50_32x4d"));
  std::vector<std::string> file_keys, our_keys;
  for (const auto& [name, tensor] : state) file_keys.push_back(name);
  for (const auto& [name, tensor] : io::module_state_dict(*model)) our_keys.push_back(name);
  EXPECT_EQ(file_keys, our_keys);

  io::load_module_state_dict(*model, state, /*strict=*/true);
  EXPECT_EQ(model->named_buffers()["bn1.num_batches_tracked"].item<int64_t>(), 123);
  model->eval();
  const at::Tensor x = read_raw(dir.file("input.bin"), {kBatch, kChannels, kSide, kSide});
  const at::Tensor theirs = read_raw(dir.file("logits.bin"), {kBatch, 1000});
  const at::Tensor ours = model->forward(x);
  EXPECT_LT(max_abs_diff(ours, theirs), 1e-4) << "logit scale " << ours.abs().max().item<double>();
  EXPECT_GT(ours.std().item<double>(), 1e-3);
}

TEST(ResNetPython, PresetParameterCountsMatchTorchvision) {
  TestDir dir;
  std::string specs;
  std::map<std::string, int64_t> ours;
  for (const std::string& name : resnet_config_names()) {
    const ResNetConfig c = resnet_config(name);
    // torchvision's ResNet has a fixed 64-wide, 3-channel stem and 64 base planes.
    if (c.stem_width != 64 || c.base_planes != 64 || c.in_channels != 3) continue;
    std::ostringstream spec;
    spec << name << ':' << (c.bottleneck ? "bottleneck" : "basic") << ':' << c.layers[0] << ','
         << c.layers[1] << ',' << c.layers[2] << ',' << c.layers[3] << ':' << c.groups << ':'
         << c.width_per_group;
    specs += " " + spec.str();
    ours[name] = parameter_count(c);
  }
  ASSERT_TRUE(ours.count("resnext101_32x16d") && ours.count("resnext101_32x48d"));
  std::string output;
  ASSERT_EQ(run_python("counts " + quoted(dir.file("counts.txt")) + specs, &output), 0) << output;
  std::map<std::string, int64_t> theirs;
  std::ifstream in(dir.file("counts.txt"));
  std::string name;
  int64_t count = 0;
  while (in >> name >> count) theirs[name] = count;
  EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace ptk::vision
