// JsonlSink: one JSON object per write and line, `{"step": N, "time": <unix seconds>, "loss":
// 2.31, ...}`, for plotting and for scripts. Opening appends to an existing file, so a resumed
// run continues its history; each line is flushed as written, so a crash loses at most the line
// being written, and a torn last line is closed before new lines are appended.
#pragma once

#include <cstdio>
#include <string>

#include "common/base/json_text.h"
#include "common/log/metric_sink.h"

namespace ptk::log {

using ptk::json_quote;  // `text` as a JSON string literal (common/base/json_text.h)

// `value` as a JSON number that reads back to the same double; NaN and infinities (which JSON
// cannot represent) as null.
std::string json_number(double value);

class JsonlSink : public MetricSink {
 public:
  // Opens `path` for appending, creating it and its parent directories when missing. Throws
  // ptk::Error naming the file when it cannot be opened.
  explicit JsonlSink(const std::string& path);
  ~JsonlSink() override;
  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;

  void write(int64_t step, const Scalars& scalars) override;
  void flush() override;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace ptk::log
