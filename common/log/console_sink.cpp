#include "common/log/console_sink.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace ptk::log {

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?:??:??";
  const auto total = static_cast<int64_t>(std::llround(seconds));
  return fmt::format("{}:{:02d}:{:02d}", total / 3600, (total / 60) % 60, total % 60);
}

ConsoleSink::ConsoleSink(int64_t total_steps) : total_steps_(total_steps) {}

std::string ConsoleSink::format_line(int64_t step, const Scalars& scalars,
                                     double steps_per_second) const {
  std::string line = total_steps_ > 0 ? fmt::format("step {}/{}", step, total_steps_)
                                      : fmt::format("step {}", step);
  auto find = [&](const char* key) -> const double* {
    for (const auto& [name, value] : scalars) {
      if (name == key) return &value;
    }
    return nullptr;
  };
  if (const double* loss = find(kLossKey)) line += fmt::format(" | loss {:.4f}", *loss);
  if (const double* lr = find(kLrKey)) line += fmt::format(" | lr {:.3e}", *lr);
  if (const double* rate = find(kSamplesPerSecondKey)) {
    line += fmt::format(" | {:.1f} samples/s", *rate);
  }
  if (const double* eta = find(kEtaSecondsKey)) {
    line += " | eta " + format_eta(*eta);
  } else if (total_steps_ > 0 && steps_per_second > 0 && std::isfinite(steps_per_second)) {
    const int64_t remaining = std::max<int64_t>(total_steps_ - step, 0);
    line += " | eta " + format_eta(static_cast<double>(remaining) / steps_per_second);
  }
  for (const auto& [name, value] : scalars) {
    if (name == kLossKey || name == kLrKey || name == kSamplesPerSecondKey ||
        name == kEtaSecondsKey) {
      continue;
    }
    line += fmt::format(" | {} {:.4g}", name, value);
  }
  return line;
}

void ConsoleSink::write(int64_t step, const Scalars& scalars) {
  const Clock::time_point now = Clock::now();
  double steps_per_second = 0;
  if (!first_) {
    first_.emplace(step, now);
  } else {
    const double elapsed = std::chrono::duration<double>(now - first_->second).count();
    if (elapsed > 0 && step > first_->first) {
      steps_per_second = static_cast<double>(step - first_->first) / elapsed;
    }
  }
  spdlog::info("{}", format_line(step, scalars, steps_per_second));
}

void ConsoleSink::flush() { spdlog::default_logger_raw()->flush(); }

}  // namespace ptk::log
