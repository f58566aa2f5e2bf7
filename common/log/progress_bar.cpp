#include "common/log/progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace ptk::log {

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(uint64_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ >= std::chrono::milliseconds(100)) {
      last_draw_ = now;
      draw(false);
    }
  } else if (total_ > 0) {
    const int decile = static_cast<int>(done_ * 10 / total_);
    if (decile > last_decile_ && decile < 10) {
      last_decile_ = decile;
      draw(false);
    }
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final_line) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
  std::string bar;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    const uint64_t shown = done_ < total_ ? done_ : total_;
    const int filled = static_cast<int>(shown * kWidth / total_);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    char pct[32];
    std::snprintf(pct, sizeof(pct), "%3d%% ", static_cast<int>(shown * 100 / total_));
    bar += pct;
  }
  std::fprintf(stderr, "%s%s: %s%llu%s (%.0f/s, %.1f s)%s", tty_ ? "\r" : "", label_.c_str(),
               bar.c_str(), static_cast<unsigned long long>(done_),
               total_ > 0 ? fmt::format("/{}", total_).c_str() : "", rate, seconds,
               tty_ && !final_line ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace ptk::log
