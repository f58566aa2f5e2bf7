// A checkpoint's model.pt is what downstream PyTorch code loads: Python's torch.load must read
// it as a plain dict of tensors under the model's PyTorch names, with the values we trained.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"

namespace ptk::testing {
namespace {

TEST(ToyTrainCheckpoint, ModelFileLoadsInPythonAsNamedTensors) {
  ScratchDir scratch;
  const std::string run = scratch / "run";
  std::string output;
  ASSERT_EQ(run_toy({"run.dir=" + run, "train.steps=3", "train.global_batch=8", "train.threads=1",
                     "train.device=cpu", "toy.samples=32", "toy.eval_samples=4"},
                    &output),
            0)
      << output;
  const std::string model_pt = train::checkpoint_path(run, 3) + "/" + train::kModelFile;

  const std::string listing = scratch / "listing.txt";
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/python/train_load_checkpoint.py '" + model_pt + "' > '" +
                              listing + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  std::ifstream in(listing);
  std::vector<std::string> names;
  std::map<std::string, double> sums;
  std::map<std::string, std::string> shapes;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, dtype, shape;
    double sum = 0;
    ASSERT_TRUE(static_cast<bool>(fields >> name >> dtype >> shape >> sum)) << line;
    names.push_back(name);
    sums[name] = sum;
    shapes[name] = shape;
  }
  // PyTorch's state_dict order for conv1 / bn1 / conv2 / fc, BatchNorm buffers included.
  const std::vector<std::string> expected{"conv1.weight",    "bn1.weight",
                                          "bn1.bias",        "bn1.running_mean",
                                          "bn1.running_var", "bn1.num_batches_tracked",
                                          "conv2.weight",    "conv2.bias",
                                          "fc.weight",       "fc.bias"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(shapes["conv1.weight"], "8x3x3x3");
  EXPECT_EQ(shapes["fc.weight"], "4x16");

  // Python sees the very values LibTorch wrote (three steps of BatchNorm: 3 batches tracked).
  for (const auto& [name, tensor] : train::read_checkpoint_model(train::checkpoint_path(run, 3))) {
    ASSERT_TRUE(sums.count(name)) << name;
    EXPECT_NEAR(sums[name], tensor.to(at::kDouble).sum().item<double>(), 1e-9) << name;
  }
  EXPECT_EQ(sums["bn1.num_batches_tracked"], 3.0);
}

}  // namespace
}  // namespace ptk::testing
