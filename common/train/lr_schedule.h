// Learning-rate schedules: linear warmup followed by constant, step, cosine, linear or
// polynomial decay. A schedule is a pure function of the step (no state to checkpoint), so a
// resumed run gets exactly the LRs the uninterrupted run would have used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::train {

struct ScheduleOptions {
  std::string name = "cosine";  // "constant" | "step" | "cosine" | "linear" | "polynomial"
  int64_t warmup_steps = 0;     // linear warmup from warmup_start_factor*peak to peak
  double warmup_start_factor = 0.0;
  int64_t total_steps = 0;
  std::vector<int64_t> milestones;  // step decay: absolute steps where the LR is multiplied
  double gamma = 0.1;               // ... by gamma
  double power = 1.0;               // polynomial
  double final_lr_fraction = 0.0;   // floor for cosine/linear/polynomial, as a fraction of peak
};

// The schedule.* section: schedule.name, schedule.warmup_steps, schedule.warmup_fraction
// (> 0 overrides warmup_steps with a fraction of the total), schedule.warmup_start_factor,
// schedule.milestones, schedule.gamma, schedule.power, schedule.final_lr_fraction.
config::Schema schedule_schema();

// Reads the schedule.* section for a run of `total_steps` optimizer steps; bad values are a
// ptk::usage_error naming the key.
ScheduleOptions schedule_options(const config::Config& config, int64_t total_steps);

class LrSchedule {
 public:
  // Validates the options (ptk::usage_error naming the schedule.* key that is wrong).
  LrSchedule(double peak_lr, ScheduleOptions options);

  // The LR for the update of step `step` (0-based). During warmup (step < warmup_steps) it
  // rises linearly from warmup_start_factor*peak at step 0 to peak at step warmup_steps; the
  // decay then runs over [warmup_steps, total_steps] and stays at its end value afterwards.
  double lr_at(int64_t step) const;

  double peak_lr() const { return peak_lr_; }
  const ScheduleOptions& options() const { return options_; }

 private:
  double peak_lr_;
  ScheduleOptions options_;
};

}  // namespace ptk::train
