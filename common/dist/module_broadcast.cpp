#include "common/dist/module_broadcast.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/dist/reductions.h"

namespace ptk::dist {
namespace {

// Broadcasts are packed in chunks of this size so that a large model never needs a second
// full copy of itself in one flat buffer.
constexpr size_t kChunkBytes = 64u << 20;

uint64_t fnv1a(const std::string& text, uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string signature(const std::string& name, const at::Tensor& t) {
  std::ostringstream s;
  s << name << ' ' << t.sizes() << ' ' << t.scalar_type();
  return s.str();
}

}  // namespace

void broadcast_module(ProcessGroup& group, torch::nn::Module& module) {
  if (group.size() == 1) return;
  std::vector<std::string> names;
  std::vector<at::Tensor> tensors;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    names.push_back("parameter " + item.key());
    tensors.push_back(item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    names.push_back("buffer " + item.key());
    tensors.push_back(item.value());
  }

  // Same layout everywhere first, or the broadcasts below would pair up the wrong tensors.
  uint64_t layout = fnv1a(std::to_string(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i)
    layout = fnv1a(signature(names[i], tensors[i]), layout);
  if (!all_ranks_equal(group, layout)) {
    std::string here = fmt::format("rank {}", group.rank());
    if (!all_ranks_equal(group, tensors.size())) {
      throw error(
          "broadcast_module: the ranks' modules differ: {} has {} parameters and buffers, another "
          "rank not",
          here, tensors.size());
    }
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (!all_ranks_equal(group, fnv1a(signature(names[i], tensors[i])))) {
        throw error("broadcast_module: the ranks' modules differ at {} ({}: {})", names[i], here,
                    signature(names[i], tensors[i]));
      }
    }
    throw error("broadcast_module: the ranks' modules differ ({})", here);
  }

  at::NoGradGuard no_grad;
  std::vector<at::Tensor> chunk;
  size_t chunk_bytes = 0;
  auto flush = [&] {
    if (chunk.empty()) return;
    group.broadcast(chunk, 0);
    chunk.clear();
    chunk_bytes = 0;
  };
  for (at::Tensor& t : tensors) {
    if (t.numel() == 0) continue;
    if (!t.is_contiguous()) {
      // Parameters are contiguous in practice; a strided view is broadcast on its own copy.
      std::vector<at::Tensor> one{t.contiguous()};
      group.broadcast(one, 0);
      t.copy_(one[0]);
      continue;
    }
    chunk.push_back(t);
    chunk_bytes += static_cast<size_t>(t.numel()) * t.element_size();
    if (chunk_bytes >= kChunkBytes) flush();
  }
  flush();
}

}  // namespace ptk::dist
