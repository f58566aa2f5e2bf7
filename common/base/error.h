// The one error type of pretrainkit. An Error says what failed, where (file, record, key) and
// what to do; binaries catch it in main (see main_guard.h) and exit 1, or 2 for usage and
// config errors.
//
// Messages are formatted by fmt, so a check reads as one line:
//   fail_if(count < 0, "shard '{}': {} records is negative", path, count);
//   throw error("manifest '{}': line {}: {}", path, line, what);
//   throw usage_error("train.steps must be >= 0, got {}", steps);
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace ptk {

enum class ErrorKind {
  kRuntime,  // bad data, I/O failure, distributed failure: exit 1
  kUsage,    // bad command line or config: exit 2
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::kRuntime)
      : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const { return kind_; }
  int exit_code() const { return kind_ == ErrorKind::kUsage ? 2 : 1; }

 private:
  ErrorKind kind_;
};

// A runtime error (exit code 1) with a message as it stands.
inline Error error(const std::string& message) { return Error(message); }

// A runtime error (exit code 1) whose message fmt formats from `format` and `args`.
template <typename... Args>
Error error(fmt::format_string<Args...> format, Args&&... args) {
  return Error(fmt::format(format, std::forward<Args>(args)...));
}

// A usage/config error (exit code 2) with a message as it stands.
inline Error usage_error(const std::string& message) { return Error(message, ErrorKind::kUsage); }

// A usage/config error (exit code 2) whose message fmt formats.
template <typename... Args>
Error usage_error(fmt::format_string<Args...> format, Args&&... args) {
  return Error(fmt::format(format, std::forward<Args>(args)...), ErrorKind::kUsage);
}

// Throws a runtime error when `failed` holds. The message is only formatted then, so a check in
// a loop costs the test of its condition.
template <typename... Args>
void fail_if(bool failed, fmt::format_string<Args...> format, Args&&... args) {
  if (failed) throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace ptk
