// Where a batch becomes tensors: stacking token sequences and decoded images into contiguous
// CPU tensors, pinned when a CUDA device is present so the copy to the GPU can overlap compute.
// The only LibTorch-dependent part of common/data (library ptk_data_tensors).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace ptk::data {

// [B, length] int64: each sequence truncated or right-padded with `pad_id`.
at::Tensor collate_tokens(const std::vector<std::vector<int32_t>>& sequences, int64_t length,
                          int64_t pad_id);

// [B, ...shape] float32 from equally sized per-sample buffers (e.g. CHW images).
at::Tensor collate_floats(const std::vector<std::vector<float>>& samples,
                          const std::vector<int64_t>& shape);

// `tensor` in page-locked memory when CUDA is available at run time; unchanged otherwise.
at::Tensor pin_if_cuda(const at::Tensor& tensor);

}  // namespace ptk::data
