#include "common/train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/base/error.h"
#include "common/config/option_table.h"

namespace ptk::train {
namespace {

const char* const kNames[] = {"constant", "step", "cosine", "linear", "polynomial"};

bool known_name(const std::string& name) {
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string format_double(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Decays to the floor over the decay phase: the three shapes that take final_lr_fraction.
bool decays_to_floor(const std::string& name) {
  return name == "cosine" || name == "linear" || name == "polynomial";
}

void validate(double peak_lr, const ScheduleOptions& options) {
  if (!known_name(options.name)) {
    throw usage_error(
        "schedule.name: unknown schedule '{}' (expected constant, step, cosine, linear or "
        "polynomial)",
        options.name);
  }
  if (!(peak_lr >= 0.0) || !std::isfinite(peak_lr)) {
    throw usage_error("schedule: peak learning rate must be a finite value >= 0, got {}",
                      format_double(peak_lr));
  }
  if (options.warmup_steps < 0) {
    throw usage_error("schedule.warmup_steps must be >= 0, got {}", options.warmup_steps);
  }
  if (!(options.warmup_start_factor >= 0.0 && options.warmup_start_factor <= 1.0)) {
    throw usage_error("schedule.warmup_start_factor must be in [0, 1], got {}",
                      format_double(options.warmup_start_factor));
  }
  if (options.total_steps < 0) {
    throw usage_error("schedule: total_steps must be >= 0, got {}", options.total_steps);
  }
  if (decays_to_floor(options.name)) {
    if (options.total_steps <= 0) {
      throw usage_error("schedule.name={} needs the run's total number of steps (> 0), got {}",
                        options.name, options.total_steps);
    }
    if (options.warmup_steps > options.total_steps) {
      throw usage_error("schedule.warmup_steps ({}) exceeds the total number of steps ({})",
                        options.warmup_steps, options.total_steps);
    }
  }
  if (!(options.final_lr_fraction >= 0.0 && options.final_lr_fraction <= 1.0)) {
    throw usage_error("schedule.final_lr_fraction must be in [0, 1], got {}",
                      format_double(options.final_lr_fraction));
  }
  if (!(options.gamma > 0.0 && options.gamma <= 1.0)) {
    throw usage_error("schedule.gamma must be in (0, 1], got {}", format_double(options.gamma));
  }
  if (!(options.power > 0.0) || !std::isfinite(options.power)) {
    throw usage_error("schedule.power must be > 0, got {}", format_double(options.power));
  }
  for (size_t i = 0; i < options.milestones.size(); ++i) {
    if (options.milestones[i] <= 0) {
      throw usage_error("schedule.milestones: milestone {} is {}, must be > 0", i,
                        options.milestones[i]);
    }
    if (i > 0 && options.milestones[i] <= options.milestones[i - 1]) {
      throw usage_error("schedule.milestones must be strictly increasing, got {} then {}",
                        options.milestones[i - 1], options.milestones[i]);
    }
  }
  if (options.name == "step" && options.milestones.empty()) {
    throw usage_error("schedule.name=step needs schedule.milestones (steps where the LR drops)");
  }
}

// schedule.* as written: warmup_fraction > 0 replaces warmup_steps once the run's length is known.
struct ScheduleSection : ScheduleOptions {
  double warmup_fraction = 0.0;
};

config::OptionTable<ScheduleSection> schedule_table() {
  using S = ScheduleSection;
  config::OptionTable<S> t;
  t.add("schedule.name", &S::name,
        "LR decay after warmup: constant, step, cosine, linear or polynomial")
      .add("schedule.warmup_steps", &S::warmup_steps, "steps of linear warmup to the peak LR")
      .add("schedule.warmup_fraction", &S::warmup_fraction,
           "warmup as a fraction of the total steps; > 0 overrides schedule.warmup_steps",
           config::in_range(0.0, 1.0))
      .add("schedule.warmup_start_factor", &S::warmup_start_factor,
           "LR at the first warmup step, as a fraction of the peak LR")
      .add("schedule.milestones", &S::milestones,
           "step decay: steps at which the LR is multiplied by schedule.gamma")
      .add("schedule.gamma", &S::gamma, "step decay: factor applied at each milestone")
      .add("schedule.power", &S::power, "polynomial decay: exponent")
      .add("schedule.final_lr_fraction", &S::final_lr_fraction,
           "cosine/linear/polynomial: LR at the last step, as a fraction of the peak LR");
  return t;
}

}  // namespace

config::Schema schedule_schema() { return schedule_table().schema(); }

ScheduleOptions schedule_options(const config::Config& config, int64_t total_steps) {
  const ScheduleSection section = schedule_table().read(config);
  ScheduleOptions options = section;
  options.total_steps = total_steps;
  if (section.warmup_fraction > 0.0) {
    options.warmup_steps = static_cast<int64_t>(
        std::llround(section.warmup_fraction * static_cast<double>(total_steps)));
  }
  validate(1.0, options);
  return options;
}

LrSchedule::LrSchedule(double peak_lr, ScheduleOptions options)
    : peak_lr_(peak_lr), options_(std::move(options)) {
  validate(peak_lr_, options_);
}

double LrSchedule::lr_at(int64_t step) const {
  step = std::max<int64_t>(step, 0);
  const ScheduleOptions& o = options_;
  if (step < o.warmup_steps) {
    const double t = static_cast<double>(step) / static_cast<double>(o.warmup_steps);
    return peak_lr_ * (o.warmup_start_factor + (1.0 - o.warmup_start_factor) * t);
  }
  if (o.name == "constant") return peak_lr_;
  if (o.name == "step") {
    // Milestones are absolute steps; the LR drops once per milestone already reached.
    const auto reached =
        std::upper_bound(o.milestones.begin(), o.milestones.end(), step) - o.milestones.begin();
    return peak_lr_ * std::pow(o.gamma, static_cast<double>(reached));
  }
  const int64_t decay_steps = o.total_steps - o.warmup_steps;
  const double progress = decay_steps <= 0
                              ? 1.0
                              : std::min(1.0, static_cast<double>(step - o.warmup_steps) /
                                                  static_cast<double>(decay_steps));
  double shape = 1.0;  // fraction of the way from the floor to the peak
  if (o.name == "cosine") {
    shape = 0.5 * (1.0 + std::cos(M_PI * progress));
  } else if (o.name == "linear") {
    shape = 1.0 - progress;
  } else {  // polynomial
    shape = std::pow(1.0 - progress, o.power);
  }
  const double floor = peak_lr_ * o.final_lr_fraction;
  return floor + (peak_lr_ - floor) * shape;
}

}  // namespace ptk::train
