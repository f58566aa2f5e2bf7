// TensorBoardSink: writes scalars as a TensorBoard event file, `events.out.tfevents.<unix>.<host>`
// in a directory, readable by TensorBoard without TensorFlow or protobuf on our side: TFRecord
// framing with masked CRC32C, Event/Summary protobuf messages encoded by hand. Each write is one
// Event flushed at once, so TensorBoard shows a running job live.
#pragma once

#include <cstdio>
#include <string>

#include "common/log/metric_sink.h"

namespace ptk::log {

class TensorBoardSink : public MetricSink {
 public:
  // Creates `dir` when missing and a new event file in it (never appends to another run's file:
  // a name already taken gets a numeric suffix). Throws ptk::Error naming the path on failure.
  explicit TensorBoardSink(const std::string& dir);
  ~TensorBoardSink() override;
  TensorBoardSink(const TensorBoardSink&) = delete;
  TensorBoardSink& operator=(const TensorBoardSink&) = delete;

  // One Event at `step` holding one simple_value per scalar, tagged with the scalar's name.
  void write(int64_t step, const Scalars& scalars) override;
  void flush() override;

  // The event file being written.
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace ptk::log
