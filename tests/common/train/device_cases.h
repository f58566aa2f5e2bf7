// Device-parameterised test cases: a suite instantiated as CPU and CUDA runs every case on both,
// and a CUDA case on a machine without a CUDA device is a skip (GTEST_SKIP, counted and listed
// by gtest and ctest), never a silent pass. CUDA results are held against the CPU's within a
// relative error that suits the arithmetic the device uses.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/Device.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

namespace ptk::testing {

// Relative errors allowed against the CPU's fp32 result. fp32 on CUDA: cuDNN convolutions run
// in TF32 by default (10-bit mantissa, ~1e-3 per operation); bf16 autocast keeps an 8-bit
// mantissa (~4e-3 per rounding), and errors add up over a network's layers.
constexpr double kCudaFp32Tolerance = 1e-2;
constexpr double kBf16Tolerance = 5e-2;

// Use as the fixture of TEST_P, instantiated with
//   INSTANTIATE_TEST_SUITE_P(CPU, Suite, ::testing::Values(c10::kCPU));
//   INSTANTIATE_TEST_SUITE_P(CUDA, Suite, ::testing::Values(c10::kCUDA));
// A fixture deriving from it calls OnDevice::SetUp() first and returns when IsSkipped().
class OnDevice : public ::testing::TestWithParam<c10::DeviceType> {
 protected:
  void SetUp() override {
    if (on_cuda() && !torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
  c10::Device device() const { return c10::Device(GetParam()); }
  bool on_cuda() const { return GetParam() == c10::kCUDA; }
};

// ||actual - expected|| / ||expected||, in double on the CPU, whatever device and dtype
// `actual` has.
inline double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.detach().to(at::kCPU, at::kDouble);
  const at::Tensor e = expected.detach().to(at::kCPU, at::kDouble);
  return (a - e).norm().item<double>() / e.norm().item<double>();
}

// Whether every element of `tensor` is finite, wherever it lives.
inline bool all_finite(const at::Tensor& tensor) {
  return tensor.detach().isfinite().all().item<bool>();
}

}  // namespace ptk::testing
