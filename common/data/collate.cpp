#include "common/data/collate.h"

#include <ATen/Context.h>
#include <ATen/Functions.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/base/error.h"

namespace ptk::data {

at::Tensor collate_tokens(const std::vector<std::vector<int32_t>>& sequences, int64_t length,
                          int64_t pad_id) {
  fail_if(length <= 0, "collate_tokens: length must be positive");
  const auto batch = static_cast<int64_t>(sequences.size());
  at::Tensor out = at::full({batch, length}, pad_id, at::kLong);
  int64_t* data = out.data_ptr<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto& seq = sequences[static_cast<size_t>(b)];
    const int64_t n = std::min<int64_t>(length, static_cast<int64_t>(seq.size()));
    std::copy(seq.begin(), seq.begin() + n, data + b * length);
  }
  return pin_if_cuda(out);
}

at::Tensor collate_floats(const std::vector<std::vector<float>>& samples,
                          const std::vector<int64_t>& shape) {
  int64_t per_sample = 1;
  for (int64_t d : shape) per_sample *= d;
  std::vector<int64_t> sizes{static_cast<int64_t>(samples.size())};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  at::Tensor out = at::empty(sizes, at::kFloat);
  float* data = out.data_ptr<float>();
  for (size_t b = 0; b < samples.size(); ++b) {
    if (static_cast<int64_t>(samples[b].size()) != per_sample) {
      throw error("collate_floats: sample {} has {} values, expected {}", b, samples[b].size(),
                  per_sample);
    }
    std::memcpy(data + static_cast<int64_t>(b) * per_sample, samples[b].data(),
                sizeof(float) * static_cast<size_t>(per_sample));
  }
  return pin_if_cuda(out);
}

at::Tensor pin_if_cuda(const at::Tensor& tensor) {
  if (!at::globalContext().hasCUDA()) return tensor;
  return tensor.pin_memory();
}

}  // namespace ptk::data
