// Proof that the linear probe is right: on raw pixels (the identity backbone) of Fashion-MNIST,
// all 60k train / 10k test images, multinomial logistic regression is published at ~84% test
// accuracy (Xiao et al. 2017, the benchmark's LogisticRegression rows: 83.7-84.2%). The images
// go through the path users run: ptk-demo-data writes the ImageNet layout (28x28 grey JPEG at
// quality 100), then `ptk-eval imagenet eval.init=pixels ... eval.protocols=[linear]`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "demos/fashion_mnist.h"
#include "tests/integration/toy_run.h"

namespace ptk::testing {
namespace {

const std::string kEval = std::string(PTK_BINARY_DIR) + "/ptk-eval";
const std::string kDemoData = std::string(PTK_BINARY_DIR) + "/ptk-demo-data";

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(600)));
  *output = child.output();
  return code;
}

TEST(FashionMnistLinearProbe, RawPixelsMatchPublishedLogisticRegression) {
  if (!std::filesystem::exists(std::string(demo::kDefaultFashionMnistDir) +
                               "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  ScratchDir dir;
  std::string output;
  ASSERT_EQ(run({kDemoData, "demo.output_dir=" + dir / "fmnist", "demo.train_images=60000",
                 "demo.val_images=10000", "demo.image_size=28", "demo.jpeg_quality=100"},
                dir / "demo.log", &output),
            0)
      << output;
  ASSERT_EQ(run({kEval, "imagenet", "eval.init=pixels", "eval.data=" + dir / "fmnist/imagenet",
                 "eval.resize=28", "eval.crop=28", "eval.channels=1", "eval.protocols=[linear]",
                 "eval.threads=2", "eval.out=" + dir / "out"},
                dir / "eval.log", &output),
            0)
      << output;
  std::ifstream in(dir / "out/results.json");
  const nlohmann::json results = nlohmann::json::parse(in);
  EXPECT_EQ(results["train_images"], 60000);
  EXPECT_EQ(results["val_images"], 10000);
  EXPECT_EQ(results["backbone"]["feature_dim"], 784);
  const nlohmann::json& linear = results["results"][0];
  ASSERT_EQ(linear["protocol"], "linear");
  const double top1 = linear["top1"].get<double>();
  RecordProperty("top1_percent", std::to_string(100 * top1));
  std::printf("Fashion-MNIST raw-pixel linear probe: test top-1 %.2f%% (weight decay %s)\n",
              100 * top1, linear["details"]["weight_decay"].get<std::string>().c_str());
  EXPECT_GE(top1, 0.825) << output;
  EXPECT_LE(top1, 0.855) << output;
}

}  // namespace
}  // namespace ptk::testing
