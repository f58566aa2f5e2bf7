#include "recipes/wsl/wsl_train.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/train/train_options.h"
#include "common/train/trainer.h"
#include "vision/datasets/hashtag_task.h"
#include "vision/datasets/hashtag_task_options.h"

namespace ptk::recipes {

config::Schema wsl_train_schema() {
  config::Schema schema = train::trainer_schema();
  schema.merge(vision::hashtag_task_schema());
  return schema;
}

int run_wsl_train(const config::Config& resolved) {
  // Without data.shards, train on what prepare.out holds (the same config file drives both).
  config::Config config = resolved;
  const std::string out = config.has("prepare.out") ? config.get_string("prepare.out") : "";
  if (config.get_string("data.shards").empty() && !out.empty()) {
    config = config.with("data.shards", config::Value(out + "/train"));
    if (config.get_string("data.val_shards").empty() &&
        std::filesystem::exists(out + "/val/manifest.yaml")) {
      config = config.with("data.val_shards", config::Value(out + "/val"));
    }
  }
  const vision::HashtagTaskOptions options = vision::hashtag_task_options(config);
  train::TrainingSetup setup = train::setup_training(config);
  // After setup_training: the seed is set, so the model initialises the same on every run.
  vision::HashtagTask task(options);
  train::Trainer trainer(config, setup);
  const train::TrainResult result = trainer.fit(task);
  if (setup.env.rank == 0) {
    std::printf("ptk-wsl train: %s at step %lld (started at %lld) on %d rank(s)",
                result.stopped_by_signal ? "stopped" : "finished",
                static_cast<long long>(result.final_step),
                static_cast<long long>(result.start_step), setup.env.world_size);
    for (const auto& [key, value] : result.eval) std::printf(", eval %s %.4f", key.c_str(), value);
    std::printf("; %lld skipped steps; checkpoint %s; metrics in %s/metrics.jsonl\n",
                static_cast<long long>(result.skipped_steps), result.last_checkpoint.c_str(),
                config.get_string("run.dir").c_str());
  }
  return 0;
}

}  // namespace ptk::recipes
