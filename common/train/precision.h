// Mixed precision for the forward pass: bf16 autocast on CUDA (no loss scaling needed, bf16 has
// fp32's exponent range), nothing on CPU, where runs stay fp32 and bitwise reproducible.
// LibTorch renamed its autocast switches between 1.13 and 2.4; the difference lives in
// precision.cpp alone. Autocast state is thread-local: use the scope on the training thread.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace ptk::train {

enum class Precision { kFp32, kBf16 };

// "auto" (bf16 on CUDA, fp32 elsewhere) | "fp32" | "bf16". bf16 on a non-CUDA device is a
// ptk::usage_error naming train.precision.
Precision resolve_precision(const std::string& name, const c10::Device& device);
const char* precision_name(Precision precision);

// Enables autocast for the forward pass while alive (bf16 on CUDA); a no-op for fp32. Restores
// the previous state on destruction. Not copyable.
class AutocastScope {
 public:
  AutocastScope(Precision precision, const c10::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool previous_enabled_ = false;
};

}  // namespace ptk::train
