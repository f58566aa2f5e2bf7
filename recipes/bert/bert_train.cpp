#include "recipes/bert/bert_train.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/train/checkpoint.h"
#include "common/train/train_options.h"
#include "common/train/trainer.h"
#include "recipes/bert/bert_phases.h"
#include "text/pretraining/bert_task.h"
#include "text/pretraining/bert_task_options.h"

namespace ptk::recipes {

namespace {

// The step of a phase's newest checkpoint, or -1 when it has none.
int64_t checkpoint_step(const std::string& run_dir, std::string* dir = nullptr) {
  const std::optional<std::string> latest = train::find_resumable_checkpoint(run_dir);
  if (!latest) return -1;
  if (dir) *dir = *latest;
  return train::read_checkpoint_state(*latest).step;
}

}  // namespace

config::Schema bert_train_schema() {
  config::Schema schema = train::trainer_schema();
  schema.merge(text::bert_task_schema());
  schema.merge(bert_phases_schema());
  return schema;
}

int run_bert_train(const config::Config& config) {
  const std::vector<BertPhase> phases = bert_phases(config);
  // Every phase's options are checked before any work, so a typo in phase 2 fails at once.
  std::vector<config::Config> configs;
  for (const BertPhase& phase : phases) {
    configs.push_back(phase_config(config, phase)
                          .with("data.shards", config::Value(resolve_phase_shards(config, phase))));
    train::train_options(configs.back());
    text::bert_task_options(configs.back());
  }
  train::TrainingSetup setup = train::setup_training(config);
  train::TrainResult result;
  size_t done = 0;
  for (size_t k = 0; k < phases.size(); ++k) {
    const BertPhase& phase = phases[k];
    // A finished phase is skipped when a later one has started or this one is not the last:
    // its final checkpoint is all the next phase needs.
    if (k + 1 < phases.size() && checkpoint_step(phase.run_dir) >= phase.steps) {
      spdlog::info("phase {}: finished earlier ({} steps in {})", phase.index, phase.steps,
                   phase.run_dir);
      continue;
    }
    text::BertTask task(text::bert_task_options(configs[k]));
    if (k > 0 && checkpoint_step(phase.run_dir) < 0) {
      std::string previous;
      const int64_t step = checkpoint_step(phases[k - 1].run_dir, &previous);
      if (step != phases[k - 1].steps) {
        throw error("phase {} starts from the final checkpoint of {}, which {}", phase.index,
                    phases[k - 1].run_dir,
                    step < 0 ? std::string("has no checkpoint")
                             : fmt::format("stops at step {} of {}", step, phases[k - 1].steps));
      }
      task.load_weights(previous);
      spdlog::info("phase {}: starting from the weights of {}", phase.index, previous);
    }
    spdlog::info("phase {} of {}: {} steps, global batch {}, length {}, in {}", phase.index,
                 phases.size(), phase.steps, phase.global_batch, phase.max_seq_length,
                 phase.run_dir);
    train::Trainer trainer(configs[k], setup);
    result = trainer.fit(task);
    done = k + 1;
    if (result.stopped_by_signal) break;
  }
  if (setup.env.rank == 0) {
    std::printf(
        "ptk-bert train: %s phase %zu of %zu at step %lld (started at %lld) on %d rank(s); %lld "
        "skipped steps; checkpoint %s; metrics in %s/phase*/metrics.jsonl\n",
        result.stopped_by_signal ? "stopped in" : "finished", done, phases.size(),
        static_cast<long long>(result.final_step), static_cast<long long>(result.start_step),
        setup.env.world_size, static_cast<long long>(result.skipped_steps),
        result.last_checkpoint.c_str(), config.get_string("run.dir").c_str());
  }
  return 0;
}

}  // namespace ptk::recipes
