#include "common/log/metric_logger.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/log/console_sink.h"
#include "common/log/jsonl_sink.h"
#include "common/log/tensorboard_sink.h"

namespace ptk::log {

MetricLogger::~MetricLogger() {
  // Destructors must not throw (this one may run while an exception unwinds): report instead.
  for (auto& sink : sinks_) {
    try {
      sink->flush();
    } catch (const std::exception& e) {
      spdlog::warn("metrics: {}", e.what());
    }
  }
}

MetricLogger MetricLogger::for_run(const std::string& run_dir, int rank, int64_t total_steps) {
  MetricLogger logger;
  if (rank != 0) return logger;
  const std::filesystem::path dir(run_dir);
  logger.add_sink(std::make_unique<ConsoleSink>(total_steps));
  logger.add_sink(std::make_unique<JsonlSink>((dir / "metrics.jsonl").string()));
  logger.add_sink(std::make_unique<TensorBoardSink>((dir / "tensorboard").string()));
  return logger;
}

void MetricLogger::add_sink(std::unique_ptr<MetricSink> sink) {
  if (sink) sinks_.push_back(std::move(sink));
}

void MetricLogger::write(int64_t step, const Scalars& scalars) {
  for (auto& sink : sinks_) sink->write(step, scalars);
}

void MetricLogger::flush() {
  for (auto& sink : sinks_) sink->flush();
}

}  // namespace ptk::log
