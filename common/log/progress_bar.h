// A progress bar on stderr for long passes (the stages of `ptk-wsl prepare`). On a terminal
// it redraws one line at most ten times a second; otherwise (logs, pipes, CI) it prints a plain
// line every 10% so logs stay short. Not thread safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ptk::log {

class ProgressBar {
 public:
  // `total` 0 means unknown: only the count and the rate are shown.
  ProgressBar(std::string label, uint64_t total);
  ~ProgressBar();  // finishes the line
  void update(uint64_t done);
  void finish();

 private:
  void draw(bool final_line);
  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool tty_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ptk::log
