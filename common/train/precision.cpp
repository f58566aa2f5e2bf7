#include "common/train/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "common/base/error.h"

// LibTorch 2.4 replaced the CUDA-specific autocast switches (set_enabled,
// set_autocast_gpu_dtype) with per-device-type ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define PTK_AUTOCAST_PER_DEVICE 1
#else
#define PTK_AUTOCAST_PER_DEVICE 0
#endif

namespace ptk::train {
namespace {

bool cuda_autocast_enabled() {
#if PTK_AUTOCAST_PER_DEVICE
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

void set_cuda_autocast(bool enabled) {
#if PTK_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(enabled);
#endif
}

}  // namespace

Precision resolve_precision(const std::string& name, const c10::Device& device) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "auto") return device.is_cuda() ? Precision::kBf16 : Precision::kFp32;
  if (name == "bf16") {
    if (!device.is_cuda()) {
      throw usage_error(
          "train.precision=bf16 needs a CUDA device (the run is on {}); use fp32 or auto",
          device.str());
    }
    return Precision::kBf16;
  }
  throw usage_error("train.precision must be auto | fp32 | bf16, got '{}'", name);
}

const char* precision_name(Precision precision) {
  return precision == Precision::kBf16 ? "bf16" : "fp32";
}

AutocastScope::AutocastScope(Precision precision, const c10::Device& device) {
  if (precision != Precision::kBf16 || !device.is_cuda()) return;
  active_ = true;
  previous_enabled_ = cuda_autocast_enabled();
  set_cuda_autocast(true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Leaving the outermost autocast region drops the cache of casted weights, as
  // torch.autocast's __exit__ does; otherwise the bf16 copies would outlive the step.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_cuda_autocast(previous_enabled_);
}

}  // namespace ptk::train
