#include "common/log/jsonl_sink.h"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/base/error.h"
#include "common/base/json_text.h"

namespace ptk::log {
namespace {

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// True when the file at `path` is non-empty and does not end in a newline: the previous process
// died in the middle of a line.
bool ends_mid_line(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  bool torn = false;
  if (std::fseek(file, -1, SEEK_END) == 0) torn = std::fgetc(file) != '\n';
  std::fclose(file);
  return torn;
}

}  // namespace

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  // fmt's default format is the shortest text that reads back to the same double, and always
  // valid JSON for finite values ("2", "0.1", "1e-05").
  return fmt::format("{}", value);
}

JsonlSink::JsonlSink(const std::string& path) : path_(path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw error("cannot create directory '{}': {}", parent.string(), ec.message());
  }
  const bool torn = ends_mid_line(path);
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    throw error("cannot open metrics file '{}' for appending: {}", path, std::strerror(errno));
  }
  if (torn) std::fputc('\n', file_);
}

JsonlSink::~JsonlSink() {
  if (file_ != nullptr) std::fclose(file_);
}

void JsonlSink::write(int64_t step, const Scalars& scalars) {
  std::string line = fmt::format("{{\"step\": {}, \"time\": {:.3f}", step, unix_seconds());
  for (const auto& [name, value] : scalars) {
    if (name == "step" || name == "time") {
      throw error("metric '{}' clashes with the field of the same name in '{}': rename the metric",
                  name, path_);
    }
    line += ", " + json_quote(name) + ": " + json_number(value);
  }
  line += "}\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw error("cannot write metrics file '{}': {}", path_, std::strerror(errno));
  }
}

void JsonlSink::flush() {
  if (std::fflush(file_) != 0) {
    throw error("cannot flush metrics file '{}': {}", path_, std::strerror(errno));
  }
}

}  // namespace ptk::log
