#include "common/log/logging.h"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "common/base/error.h"

namespace ptk::log {
namespace {

constexpr const char* kValidLevels = "trace, debug, info, warn, error, critical, off";

spdlog::level::level_enum parse_level(const std::string& name) {
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [key, level] : kLevels) {
    if (name == key) return level;
  }
  throw usage_error("invalid log level '{}': expected one of {}", name, kValidLevels);
}

}  // namespace

std::string log_file_for_rank(const std::string& file, int rank) {
  return rank == 0 ? file : fmt::format("{}.rank{}", file, rank);
}

void setup_logging(int rank, const LogOptions& options) {
  if (rank < 0) throw usage_error("setup_logging: rank must be >= 0, got {}", rank);
  spdlog::level::level_enum level = parse_level(options.level);
  if (rank != 0 && !options.all_ranks) level = std::max(level, spdlog::level::warn);

  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!options.file.empty()) {
    const std::string path = log_file_for_rank(options.file, rank);
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false));
    } catch (const spdlog::spdlog_ex& e) {
      throw error("cannot open log file '{}': {}", path, e.what());
    }
  }

  auto logger = std::make_shared<spdlog::logger>("ptk", sinks.begin(), sinks.end());
  // The rank is fixed for the process, so it is baked into the pattern rather than formatted
  // on every line.
  logger->set_pattern(fmt::format("[%Y-%m-%d %H:%M:%S.%e] [rank {}] [%^%l%$] %v", rank));
  logger->set_level(level);
  // Lines at info and above reach the file at once: a crashed or preempted run keeps its last
  // words, and training logs are a few lines per second at most.
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace ptk::log
