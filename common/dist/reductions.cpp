#include "common/dist/reductions.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "common/base/error.h"

namespace ptk::dist {
namespace {

uint64_t fnv1a(const std::string& text, uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

bool all_ranks_equal(ProcessGroup& group, uint64_t value) {
  if (group.size() == 1) return true;
  // Per 16-bit limb v: sum(v) == n*v_here and sum(v^2) == n*v_here^2 together mean the mean
  // equals v_here and the variance is zero, i.e. every rank holds v_here. Sums stay far below
  // 2^63, so the test is exact; every rank reaches the same verdict.
  std::vector<int64_t> local;
  for (int limb = 0; limb < 4; ++limb) {
    int64_t v = static_cast<int64_t>((value >> (16 * limb)) & 0xffff);
    local.push_back(v);
    local.push_back(v * v);
  }
  at::Tensor t = at::tensor(local, at::kLong).to(group.device());
  std::vector<at::Tensor> one{t};
  group.all_reduce_sum(one);
  at::Tensor sums = t.cpu();
  const int64_t* s = sums.data_ptr<int64_t>();
  int64_t n = group.size();
  for (size_t i = 0; i < local.size(); ++i) {
    if (s[i] != n * local[i]) return false;
  }
  return true;
}

std::map<std::string, SumCount> reduce_sums(ProcessGroup& group,
                                            const std::map<std::string, SumCount>& local) {
  if (group.size() == 1) return local;
  std::string keys;
  for (const auto& [key, value] : local) keys += key + '\n';
  if (!all_ranks_equal(group, fnv1a(keys))) {
    std::string listed;
    for (const auto& [key, value] : local) listed += (listed.empty() ? "" : ", ") + key;
    throw error(
        "reduce_sums: the ranks passed different metric names (rank {} has: {}); every rank must "
        "report the same metrics, with count 0 where it saw none",
        group.rank(), listed);
  }
  std::vector<double> flat;
  flat.reserve(local.size() * 2);
  for (const auto& [key, value] : local) {
    flat.push_back(value.sum);
    flat.push_back(value.count);
  }
  if (flat.empty()) return {};
  at::Tensor t = at::tensor(flat, at::kDouble).to(group.device());
  std::vector<at::Tensor> one{t};
  group.all_reduce_sum(one);
  at::Tensor sums = t.cpu();
  const double* s = sums.data_ptr<double>();
  std::map<std::string, SumCount> out;
  size_t i = 0;
  for (const auto& [key, value] : local) {
    out[key] = SumCount{s[i], s[i + 1]};
    i += 2;
  }
  return out;
}

double all_reduce_scalar_sum(ProcessGroup& group, double value) {
  if (group.size() == 1) return value;
  at::Tensor t = at::full({1}, value, at::kDouble).to(group.device());
  std::vector<at::Tensor> one{t};
  group.all_reduce_sum(one);
  return t.cpu().item<double>();
}

bool any_rank(ProcessGroup& group, bool flag) {
  if (group.size() == 1) return flag;
  at::Tensor t = at::full({1}, flag ? 1 : 0, at::kLong).to(group.device());
  std::vector<at::Tensor> one{t};
  group.all_reduce_sum(one);
  return t.cpu().item<int64_t>() > 0;
}

std::string broadcast_text(ProcessGroup& group, const std::string& text, int root) {
  if (group.size() == 1) return text;
  const bool here = group.rank() == root;
  at::Tensor length = at::tensor({here ? static_cast<int64_t>(text.size()) : int64_t{0}}, at::kLong)
                          .to(group.device());
  std::vector<at::Tensor> one{length};
  group.broadcast(one, root);
  const int64_t bytes = length.cpu().item<int64_t>();
  if (bytes == 0) return {};
  at::Tensor payload =
      here ? at::from_blob(const_cast<char*>(text.data()), {bytes}, at::kByte)
                 .to(group.device(), /*non_blocking=*/false, /*copy=*/true)
           : at::empty({bytes}, at::TensorOptions(at::kByte).device(group.device()));
  one = {payload};
  group.broadcast(one, root);
  const at::Tensor received = payload.cpu();
  return std::string(reinterpret_cast<const char*>(received.data_ptr<uint8_t>()),
                     static_cast<size_t>(bytes));
}

}  // namespace ptk::dist
