// Process-wide logging setup: makes spdlog's default logger rank aware, so every line says which
// rank wrote it and only rank 0 speaks at info level unless asked otherwise. Call once per
// process early in main (calling again replaces the previous setup); not thread safe with
// concurrent logging while it runs.
#pragma once

#include <string>

namespace ptk::log {

struct LogOptions {
  // Lowest level shown: trace, debug, info, warn, error, critical or off.
  std::string level = "info";
  // Show `level` on every rank. By default ranks other than 0 show warnings and errors only,
  // so N ranks do not print N copies of the same progress line.
  bool all_ranks = false;
  // Also write the log to this file (appending, so a resumed run keeps its history). Rank 0
  // writes `file`, rank N > 0 writes `file.rankN`. Empty: console only.
  std::string file;
};

// Installs the default spdlog logger for `rank`: lines look like
// `[2026-11-28 10:00:00.123] [rank 0] [info] message`, console output goes to stderr.
// Throws ptk::usage_error for an unknown level, ptk::Error when the log file cannot be opened.
void setup_logging(int rank, const LogOptions& options);

// The file `rank` writes for LogOptions::file == `file`: `file` for rank 0, `file.rankN` else.
std::string log_file_for_rank(const std::string& file, int rank);

}  // namespace ptk::log
