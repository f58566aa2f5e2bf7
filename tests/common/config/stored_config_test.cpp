#include "common/config/stored_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/base/error.h"

namespace ptk::config {
namespace {

namespace fs = std::filesystem;

// The message of the ptk::Error `body` throws; "" (and a failure) when it throws none.
template <typename Body>
std::string error_of(Body body, ErrorKind kind = ErrorKind::kRuntime) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// <run>/checkpoints/step_<step>/ with empty tensor files and a state.yaml storing `config`.
std::string write_checkpoint(const fs::path& run, int64_t step, const std::string& config) {
  const fs::path dir = run / "checkpoints" / ("step_" + std::to_string(step));
  fs::create_directories(dir);
  std::ofstream(dir / "model.pt") << "";
  std::ofstream(dir / "optimizer.pt") << "";
  std::ofstream(dir / "state.yaml") << "step: " << step
                                    << "\nepoch: 0\nsamples_in_epoch: 0\nsamples_consumed: 0\n"
                                       "seed: 0\nworld_size: 1\nconfig:\n"
                                    << config;
  return dir.string();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("stored_config_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(StoredConfig, ReadsSectionKeysTypedAndMissingKeysAsNothing) {
  const StoredConfig config("model:\n  arch: resnet50\ndata:\n  image_size: 64\n  mean: 0.5\n",
                            "state.yaml");
  EXPECT_TRUE(config.has("model.arch"));
  EXPECT_FALSE(config.has("model.preset"));
  EXPECT_FALSE(config.has("train.steps"));
  EXPECT_EQ(config.get_string("model.arch"), "resnet50");
  EXPECT_EQ(config.get_int("data.image_size"), 64);
  EXPECT_EQ(config.get_float("data.mean"), 0.5);
  EXPECT_EQ(config.get_int("data.eval_resize"), std::nullopt);
  EXPECT_EQ(config.origin(), "state.yaml");
}

TEST(StoredConfig, AValueOfTheWrongTypeOrTextThatIsNoYamlNamesTheOrigin) {
  const StoredConfig config("data:\n  image_size: large\n", "run/state.yaml");
  const std::string bad = error_of([&] { config.get_int("data.image_size"); });
  EXPECT_TRUE(contains(bad, "run/state.yaml")) << bad;
  EXPECT_TRUE(contains(bad, "data.image_size")) << bad;
  const std::string no_yaml = error_of([] { StoredConfig("model: [unclosed", "x/state.yaml"); });
  EXPECT_TRUE(contains(no_yaml, "x/state.yaml: the stored config is not YAML")) << no_yaml;
}

TEST(StoredCheckpoint, ARunDirectoryOpensItsNewestCheckpointAndTellsTheRecipe) {
  const fs::path run = fresh_dir("run");
  write_checkpoint(run, 5, "  model:\n    arch: resnet50\n");
  const std::string newest = write_checkpoint(run, 10, "  model:\n    arch: resnext50_32x4d\n");
  const StoredCheckpoint checkpoint = open_stored_checkpoint(run.string());
  EXPECT_EQ(checkpoint.step_dir, newest);
  EXPECT_EQ(checkpoint.step, 10);
  EXPECT_EQ(checkpoint.recipe, RecipeKind::kWsl);
  EXPECT_EQ(checkpoint.config.get_string("model.arch"), "resnext50_32x4d");

  const std::string bert =
      write_checkpoint(fresh_dir("bert"), 3, "  model:\n    preset: bert-tiny\n");
  EXPECT_EQ(open_stored_checkpoint(bert).recipe, RecipeKind::kBert);
  EXPECT_STREQ(to_string(RecipeKind::kBert), "bert");
}

TEST(StoredCheckpoint, NoCheckpointOrNoRecipeIsAnErrorNamingThePath) {
  const fs::path empty = fresh_dir("empty");
  const std::string none =
      error_of([&] { open_stored_checkpoint(empty.string()); }, ErrorKind::kUsage);
  EXPECT_TRUE(contains(none, empty.string())) << none;
  const std::string missing =
      error_of([&] { open_stored_checkpoint((empty / "nothing").string()); }, ErrorKind::kUsage);
  EXPECT_TRUE(contains(missing, "does not exist")) << missing;
  const std::string step = write_checkpoint(fresh_dir("other"), 1, "  train:\n    steps: 1\n");
  const std::string neither = error_of([&] { open_stored_checkpoint(step); });
  EXPECT_TRUE(contains(neither, step + "/state.yaml")) << neither;
  EXPECT_TRUE(contains(neither, "neither model.arch")) << neither;
}

}  // namespace
}  // namespace ptk::config
