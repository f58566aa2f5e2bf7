// `ptk-eval imagenet` as users run it, on a tiny JPEG folder and a tiny resnext_tiny checkpoint
// written the way the Trainer writes them: all three protocols, results files, the feature
// cache reused by a second run (and not by the random-init baseline), and the errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/io/state_dict.h"
#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"
#include "tests/vision/eval/test_image_folder.h"
#include "vision/models/resnet.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kEval = std::string(PTK_BINARY_DIR) + "/ptk-eval";

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(240)));
  *output = child.output();
  return code;
}

// A run directory holding one checkpoint of a resnext_tiny with a 7-class head, as ptk-wsl
// train leaves it (model.pt + optimizer.pt + state.yaml with the resolved config).
void write_tiny_run(const std::string& run_dir) {
  at::manual_seed(0);
  vision::ResNetConfig config = vision::resnet_config("resnext_tiny");
  config.num_classes = 7;
  vision::ResNet model(config);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
  train::CheckpointState state;
  state.step = 3;
  state.config_yaml = "model:\n  arch: resnext_tiny\ntrain:\n  steps: 3\n";
  train::write_checkpoint(run_dir, io::module_state_dict(*model), optimizer, state, 1);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class ImageNetEval : public ::testing::Test {
 protected:
  void SetUp() override {
    vision::testing::write_image_folder(dir_ / "data", 4, 12, 4, 32);
    write_tiny_run(dir_ / "run");
  }
  std::vector<std::string> args(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = {kEval,
                                     "imagenet",
                                     "eval.checkpoint=" + dir_ / "run",
                                     "eval.data=" + dir_ / "data",
                                     "eval.out=" + dir_ / "out",
                                     "eval.resize=32",
                                     "eval.crop=32",
                                     "eval.threads=2",
                                     "eval.batch=16",
                                     "linear.max_iterations=30"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  ScratchDir dir_;
};

TEST_F(ImageNetEval, AllProtocolsWriteResultsAndASecondRunReusesTheFeatures) {
  std::string output;
  ASSERT_EQ(
      run(args({"eval.protocols=[linear,knn,finetune]", "finetune.epochs=1", "finetune.batch=16"}),
          dir_ / "first.log", &output),
      0)
      << output;
  const nlohmann::json results = read_json(dir_ / "out/results.json");
  EXPECT_EQ(results["classes"], 4);
  EXPECT_EQ(results["train_images"], 48);
  EXPECT_EQ(results["val_images"], 16);
  EXPECT_EQ(results["backbone"]["arch"], "resnext_tiny");
  EXPECT_EQ(results["backbone"]["feature_dim"], 512);
  ASSERT_EQ(results["results"].size(), 3u);
  const std::vector<std::string> protocols = {"linear", "knn", "finetune"};
  for (size_t i = 0; i < 3; ++i) {
    const nlohmann::json& r = results["results"][i];
    EXPECT_EQ(r["protocol"], protocols[i]);
    EXPECT_GE(r["top1"].get<double>(), 0.0);
    EXPECT_LE(r["top1"].get<double>(), r["top5"].get<double>());
    EXPECT_DOUBLE_EQ(r["top5"].get<double>(), 1.0);  // 4 classes: top-5 always hits
  }
  EXPECT_TRUE(results["results"][0]["details"].contains("weight_decay"));
  std::ifstream md(dir_ / "out/results.md");
  std::stringstream table;
  table << md.rdbuf();
  EXPECT_NE(table.str().find("| protocol | top-1 (%) | top-5 (%) | details |"), std::string::npos);
  EXPECT_NE(table.str().find("| knn |"), std::string::npos);
  EXPECT_NE(output.find("train features computed"), std::string::npos) << output;
  EXPECT_NE(output.find("results in " + dir_ / "out/results.json"), std::string::npos) << output;

  // Same weights, transform and data: both splits come from the cache, same numbers.
  ASSERT_EQ(run(args({"eval.protocols=[knn]"}), dir_ / "second.log", &output), 0) << output;
  EXPECT_NE(output.find("train features reused"), std::string::npos) << output;
  EXPECT_NE(output.find("val features reused"), std::string::npos) << output;
  EXPECT_EQ(read_json(dir_ / "out/results.json")["results"][0]["top1"],
            results["results"][1]["top1"]);

  // The random-init baseline is another backbone: computed afresh, not taken from the cache.
  ASSERT_EQ(run(args({"eval.protocols=[knn]", "eval.init=random"}), dir_ / "third.log", &output), 0)
      << output;
  EXPECT_NE(output.find("train features computed"), std::string::npos) << output;
  EXPECT_NE(output.find("resnext_tiny at random init"), std::string::npos) << output;
}

// Under torchrun the ranks extract features batch by batch (an odd number of batches, the
// last one short, so the ranks' shares differ) and rank 0 runs the protocols: the numbers are
// those of one process, down to the linear probe's held-out sweep.
TEST_F(ImageNetEval, TwoGlooRanksGiveTheNumbersOfOneRank) {
  const std::vector<std::string> common = {"eval.protocols=[linear,knn]", "eval.batch=5",
                                           "eval.threads=1"};
  std::vector<std::string> one = args(common);
  one.push_back("eval.out=" + dir_ / "one");
  std::string output;
  ASSERT_EQ(run(one, dir_ / "one.log", &output), 0) << output;
  std::vector<std::string> two = args(common);
  two.push_back("eval.out=" + dir_ / "two");
  ASSERT_EQ(run(torchrun_command(2, two), dir_ / "two.log", &output), 0) << output;
  EXPECT_NE(output.find("rank 1: features sent to rank 0"), std::string::npos) << output;
  EXPECT_NE(output.find("train features (rank 1)"), std::string::npos) << output;

  const nlohmann::json a = read_json(dir_ / "one/results.json");
  const nlohmann::json b = read_json(dir_ / "two/results.json");
  ASSERT_EQ(a["results"].size(), 2u);
  ASSERT_EQ(b["results"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b["results"][i]["protocol"], a["results"][i]["protocol"]);
    EXPECT_EQ(b["results"][i]["top1"], a["results"][i]["top1"]) << a["results"][i]["protocol"];
    EXPECT_EQ(b["results"][i]["top5"], a["results"][i]["top5"]) << a["results"][i]["protocol"];
    EXPECT_EQ(b["results"][i]["details"], a["results"][i]["details"]);
  }
  // Computed by the ranks, not read from the one-rank run's cache.
  EXPECT_NE(b["feature_cache"]["train"].get<std::string>().find("computed"), std::string::npos);
}

TEST_F(ImageNetEval, DevkitValGivesTheSameNumbersAsClassFolders) {
  std::string output;
  ASSERT_EQ(run(args({"eval.protocols=[knn]"}), dir_ / "folders.log", &output), 0) << output;
  const nlohmann::json folders = read_json(dir_ / "out/results.json");

  // The same val images, flat, named so that sorted names interleave the classes, labelled by
  // class numbers of a synset list in reverse wnid order.
  const std::vector<std::string> wnids = {"n00000000", "n00000001", "n00000002", "n00000003"};
  fs::create_directories(dir_ / "devkit");
  fs::rename(dir_ / "data/train", dir_ / "devkit/train");
  std::ofstream synsets(dir_ / "synsets.txt");
  for (int c = 3; c >= 0; --c) synsets << wnids[c] << " class " << c << "\n";
  synsets.close();
  std::ofstream truth(dir_ / "truth.txt");
  for (int i = 0; i < 4; ++i) {
    for (int c = 0; c < 4; ++c) {
      const std::string name = "ILSVRC2012_val_" + std::to_string(i) + std::to_string(c) + ".JPEG";
      fs::create_directories(dir_ / "devkit/val");
      fs::rename(dir_ / ("data/val/" + wnids[c] + "/val_" + std::to_string(i) + ".JPEG"),
                 dir_ / ("devkit/val/" + name));
      truth << 4 - c << "\n";  // class number of wnid c in the reversed list
    }
  }
  truth.close();
  ASSERT_EQ(run(args({"eval.protocols=[knn]", "eval.data=" + dir_ / "devkit",
                      "eval.val_ground_truth=" + dir_ / "truth.txt",
                      "eval.val_synsets=" + dir_ / "synsets.txt", "eval.out=" + dir_ / "out2"}),
                dir_ / "devkit.log", &output),
            0)
      << output;
  const nlohmann::json devkit = read_json(dir_ / "out2/results.json");
  EXPECT_EQ(devkit["layout"], "devkit val");
  EXPECT_EQ(devkit["val_images"], 16);
  EXPECT_EQ(devkit["results"][0]["top1"], folders["results"][0]["top1"]);
  EXPECT_EQ(devkit["results"][0]["top5"], folders["results"][0]["top5"]);
}

TEST_F(ImageNetEval, UsageErrorsExitWithTwoAndNameTheKey) {
  std::string output;
  EXPECT_EQ(run({kEval, "imagenet", "eval.checkpoint=" + dir_ / "run"}, dir_ / "a.log", &output),
            2);
  EXPECT_NE(output.find("eval.data"), std::string::npos) << output;
  EXPECT_EQ(run(args({"eval.protocols=[linear,bogus]"}), dir_ / "b.log", &output), 2);
  EXPECT_NE(output.find("bogus"), std::string::npos) << output;
  EXPECT_EQ(run(args({"eval.checkpoint=" + dir_ / "nowhere"}), dir_ / "c.log", &output), 2);
  EXPECT_NE(output.find("nowhere"), std::string::npos) << output;
  EXPECT_EQ(run(args({"eval.crop=64"}), dir_ / "d.log", &output), 2);
  EXPECT_NE(output.find("eval.resize"), std::string::npos) << output;
  EXPECT_EQ(run({kEval, "imagenet", "--help"}, dir_ / "e.log", &output), 0);
  EXPECT_NE(output.find("eval.checkpoint"), std::string::npos) << output;
  EXPECT_NE(output.find("knn.temperature"), std::string::npos) << output;
  EXPECT_EQ(run({kEval}, dir_ / "f.log", &output), 2);
}

TEST_F(ImageNetEval, BadDataAndWeightsExitWithOneNamingTheFile) {
  std::string output;
  const std::string broken = dir_ / "data/val/n00000002/val_1.JPEG";
  std::ofstream(broken, std::ios::trunc) << "truncated";
  EXPECT_EQ(run(args({"eval.protocols=[knn]"}), dir_ / "a.log", &output), 1);
  EXPECT_NE(output.find(broken), std::string::npos) << output;
  fs::remove(broken);
  // Weights of resnext_tiny do not fit resnet18.
  EXPECT_EQ(run(args({"eval.arch=resnet18", "eval.protocols=[knn]"}), dir_ / "b.log", &output), 1);
  EXPECT_NE(output.find("model.pt"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
