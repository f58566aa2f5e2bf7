// The one error type of pretrainkit. An Error says what failed, where (file, record, key) and
// what to do; binaries catch it in main (see main_guard.h) and exit 1, or 2 for usage and
// config errors.
#pragma once

#include <stdexcept>
#include <string>

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

// A usage/config error (exit code 2): `throw usage_error("train.steps must be >= 0, got -1")`.
inline Error usage_error(const std::string& message) { return Error(message, ErrorKind::kUsage); }

}  // namespace ptk
