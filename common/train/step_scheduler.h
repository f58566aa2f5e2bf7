// When the training loop logs, evaluates and saves: after the step that completes a multiple of
// train.log_every, train.eval_every and checkpoint.every, and at the end of the run (the last
// step always logs; the run's end evaluates and checkpoints unless that step just did).
#pragma once

#include <cstdint>

#include "common/train/train_options.h"

namespace ptk::train {

class StepScheduler {
 public:
  explicit StepScheduler(const TrainOptions& options) : options_(options) {}

  bool done(int64_t step) const { return step >= options_.steps; }
  bool log_due(int64_t step) const {
    return step % options_.log_every == 0 || step == options_.steps;
  }
  bool eval_due(int64_t step) const {
    return options_.eval_every > 0 && step % options_.eval_every == 0;
  }
  bool checkpoint_due(int64_t step) const {
    return options_.checkpoint_every > 0 && step % options_.checkpoint_every == 0;
  }

 private:
  TrainOptions options_;
};

}  // namespace ptk::train
