// The only translation unit that touches c10d. LibTorch 1.13 (Debian) and 2.x (CUDA wheels)
// differ in the base class of the backends (ProcessGroup in 1.13, Backend from 2.0) and in the
// Gloo device factories (a lazyInit argument from 2.8); constructing a backend directly and
// calling allreduce(...)->wait() is the same source everywhere, so that is all we use.
#include "common/dist/process_group.h"
#include "common/base/enum_names.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/version.h>

#include <cstdlib>
#include <functional>
#include <string>

// Debian's TorchConfig defines USE_C10D_GLOO; other LibTorch builds may not. The headers hide
// their classes without it.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef PTK_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "common/base/error.h"

#define PTK_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||      \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace ptk::dist {
namespace {

#if PTK_TORCH_AT_LEAST(2, 0)
using C10dBackend = c10d::Backend;
#else
using C10dBackend = c10d::ProcessGroup;
#endif

std::shared_ptr<::gloo::transport::Device> make_gloo_device(const std::string& master_addr) {
#if PTK_TORCH_AT_LEAST(2, 8)
#define PTK_GLOO_LAZY , false
#else
#define PTK_GLOO_LAZY
#endif
  // Same choice as Python's init_process_group: an explicit interface wins; a loopback
  // rendezvous means every rank is on this machine; otherwise bind to the hostname's address.
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname PTK_GLOO_LAZY);
  }
  if (master_addr == "127.0.0.1" || master_addr == "localhost" || master_addr == "::1") {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1" PTK_GLOO_LAZY);
  }
  return c10d::ProcessGroupGloo::createDefaultDevice(PTK_GLOO_LAZY);
#undef PTK_GLOO_LAZY
}

// A collective that already finished (single process, empty input).
class DoneWork : public Work {
 public:
  void wait() override {}
};

// A c10d collective plus what to do once it finished (copy flattened results back).
class C10dWork : public Work {
 public:
  C10dWork(c10::intrusive_ptr<c10d::Work> work, std::function<void()> after, std::string what)
      : work_(std::move(work)), after_(std::move(after)), what_(std::move(what)) {}

  void wait() override {
    if (done_) return;
    try {
      work_->wait();
    } catch (const std::exception& e) {
      throw error("{} failed: {} (a peer rank probably died or timed out; see its log)", what_,
                  e.what());
    }
    if (after_) after_();
    done_ = true;
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::function<void()> after_;
  std::string what_;
  bool done_ = false;
};

// c10d's vector-of-tensors means "one tensor per local device", so several CPU tensors are
// packed into one flat buffer per dtype and unpacked after the collective.
struct Packed {
  at::Tensor flat;
  std::vector<at::Tensor> members;  // empty: `flat` is the caller's own tensor
};

std::vector<Packed> pack(const std::vector<at::Tensor>& tensors) {
  std::vector<Packed> groups;
  if (tensors.size() == 1 && tensors[0].is_contiguous()) {
    groups.push_back({tensors[0], {}});
    return groups;
  }
  std::vector<std::vector<at::Tensor>> by_dtype;
  std::vector<at::ScalarType> order;
  for (const at::Tensor& t : tensors) {
    size_t i = 0;
    while (i < order.size() && order[i] != t.scalar_type()) ++i;
    if (i == order.size()) {
      order.push_back(t.scalar_type());
      by_dtype.emplace_back();
    }
    by_dtype[i].push_back(t);
  }
  for (auto& members : by_dtype) {
    std::vector<at::Tensor> flat_parts;
    flat_parts.reserve(members.size());
    for (const at::Tensor& t : members) flat_parts.push_back(t.reshape({-1}));
    groups.push_back({at::cat(flat_parts), std::move(members)});
  }
  return groups;
}

void unpack(const Packed& group) {
  int64_t offset = 0;
  for (const at::Tensor& t : group.members) {
    int64_t n = t.numel();
    at::Tensor target = t;  // shares storage with the caller's tensor
    target.copy_(group.flat.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

}  // namespace

Work::~Work() = default;

namespace {
constexpr EnumName<BackendKind> kBackendNames[] = {{BackendKind::kGloo, "gloo"},
                                                   {BackendKind::kNccl, "nccl"}};
}  // namespace

BackendKind parse_backend(const std::string& name) {
  return parse_name(kBackendNames, name, "distributed backend");
}

const char* backend_name(BackendKind backend) { return name_of(kBackendNames, backend); }

struct ProcessGroup::Impl {
  int rank = 0;
  int size = 1;
  BackendKind backend = BackendKind::kGloo;
  int device_index = -1;  // NCCL: this rank's GPU (barrier needs it)
  std::string where;      // "rank 1/4 at host:port", for errors
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<C10dBackend> pg;

  void check_tensors(const std::vector<at::Tensor>& tensors, const char* op) const {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const at::Tensor& t = tensors[i];
      std::string which = fmt::format("{}: tensor {}", op, i);
      fail_if(!t.defined(), "{} is undefined", which);
      fail_if(t.layout() != at::kStrided, "{} is not dense", which);
      bool on_gpu = t.is_cuda();
      if (backend == BackendKind::kGloo && on_gpu) {
        throw error("{} is on {}; the gloo backend needs CPU tensors", which, t.device().str());
      }
      fail_if(backend == BackendKind::kNccl && !on_gpu,
              "{} is on the CPU; the nccl backend needs CUDA tensors", which);
      if (t.device() != tensors[0].device()) {
        throw error("{} is on {} but tensor 0 on {}", which, t.device().str(),
                    tensors[0].device().str());
      }
    }
  }
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;

std::shared_ptr<ProcessGroup> ProcessGroup::single() {
  auto impl = std::make_unique<Impl>();
  impl->where = "single process";
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

std::shared_ptr<ProcessGroup> ProcessGroup::create(const LaunchEnv& env, BackendKind backend,
                                                   std::chrono::seconds timeout) {
  if (!env.distributed()) return single();
  auto impl = std::make_unique<Impl>();
  impl->rank = env.rank;
  impl->size = env.world_size;
  impl->backend = backend;
  impl->device_index = env.local_rank;
  std::string endpoint = fmt::format("{}:{}", env.master_addr, env.master_port);
  impl->where = fmt::format("rank {}/{} (store {})", env.rank, env.world_size, endpoint);
  auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);

  // Rendezvous store. Under torchrun the agent already hosts it and a rank 0 that tried to
  // host it again would fail to bind; otherwise rank 0 hosts and waits for everyone.
  bool host = !env.use_agent_store && env.rank == 0;
  c10::intrusive_ptr<c10d::TCPStore> tcp;
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = host;
    options.numWorkers = static_cast<std::size_t>(env.world_size);
    options.waitWorkers = true;
    options.timeout = timeout_ms;
    tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    std::string role = env.use_agent_store ? "connect to torchrun's agent store"
                       : host              ? "host the rendezvous store"
                                           : "connect to rank 0's rendezvous store";
    throw error("{}: cannot {} at {} within {} s: {}{}", impl->where, role, endpoint,
                timeout.count(), e.what(),
                host ? " (is another job using MASTER_PORT?)"
                     : " (check MASTER_ADDR/MASTER_PORT and that every rank started)");
  }
  // torchrun's workers keep their keys under this prefix, so a restarted attempt never reads a
  // previous attempt's keys from the long-lived agent store.
  impl->store = c10::make_intrusive<c10d::PrefixStore>(
      fmt::format("/worker/attempt_{}", env.restart_count), tcp);

  try {
    if (backend == BackendKind::kGloo) {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout_ms);
      options->devices.push_back(make_gloo_device(env.master_addr));
      impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size,
                                                             options);
    } else {
#ifdef PTK_WITH_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout_ms;
      impl->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, env.rank, env.world_size,
                                                             options);
#else
      throw usage_error(
          "the nccl backend needs a CUDA build of LibTorch; this build has only gloo");
#endif
    }
  } catch (const ptk::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw error("{}: cannot create the {} process group: {}", impl->where, backend_name(backend),
                e.what());
  }
  spdlog::debug("dist: {} joined the {} group ({})", impl->where, backend_name(backend),
                env.use_agent_store ? "torchrun agent store" : (host ? "hosting store" : "client"));
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

int ProcessGroup::rank() const { return impl_->rank; }
int ProcessGroup::size() const { return impl_->size; }
BackendKind ProcessGroup::backend() const { return impl_->backend; }
at::Device ProcessGroup::device() const {
  if (impl_->backend == BackendKind::kNccl && impl_->device_index >= 0) {
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(impl_->device_index));
  }
  return at::Device(at::kCPU);
}

std::shared_ptr<Work> ProcessGroup::all_reduce_sum_async(std::vector<at::Tensor>& tensors) {
  if (impl_->size == 1 || tensors.empty()) return std::make_shared<DoneWork>();
  impl_->check_tensors(tensors, "all_reduce");
  std::vector<Packed> groups = pack(tensors);
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  try {
    for (Packed& group : groups) {
      std::vector<at::Tensor> one{group.flat};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      works.push_back(impl_->pg->allreduce(one, options));
    }
  } catch (const std::exception& e) {
    throw error("{}: all_reduce could not start: {}", impl_->where, e.what());
  }
  if (works.size() == 1 && groups[0].members.empty()) {
    return std::make_shared<C10dWork>(works[0], nullptr, impl_->where + ": all_reduce");
  }
  // Several groups: wait for all, then unpack. The extra works are waited inside `after`.
  auto first = works[0];
  auto rest = std::vector<c10::intrusive_ptr<c10d::Work>>(works.begin() + 1, works.end());
  std::string where = impl_->where;
  auto after = [groups, rest, where]() {
    for (const auto& w : rest) {
      try {
        w->wait();
      } catch (const std::exception& e) {
        throw error("{}: all_reduce failed: {}", where, e.what());
      }
    }
    for (const Packed& g : groups) {
      if (!g.members.empty()) unpack(g);
    }
  };
  return std::make_shared<C10dWork>(first, after, where + ": all_reduce");
}

void ProcessGroup::all_reduce_sum(std::vector<at::Tensor>& tensors) {
  all_reduce_sum_async(tensors)->wait();
}

void ProcessGroup::broadcast(std::vector<at::Tensor>& tensors, int root) {
  fail_if(root < 0 || root >= impl_->size, "{}: broadcast root {} is not a rank", impl_->where,
          root);
  if (impl_->size == 1 || tensors.empty()) return;
  impl_->check_tensors(tensors, "broadcast");
  std::vector<Packed> groups = pack(tensors);
  for (Packed& group : groups) {
    std::vector<at::Tensor> one{group.flat};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    options.rootTensor = 0;
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = impl_->pg->broadcast(one, options);
    } catch (const std::exception& e) {
      throw error("{}: broadcast could not start: {}", impl_->where, e.what());
    }
    C10dWork(work, nullptr, impl_->where + ": broadcast").wait();
    if (!group.members.empty()) unpack(group);
  }
}

void ProcessGroup::barrier() {
  if (impl_->size == 1) return;
  c10d::BarrierOptions options;
  if (impl_->backend == BackendKind::kNccl) options.device_ids = {impl_->device_index};
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = impl_->pg->barrier(options);
  } catch (const std::exception& e) {
    throw error("{}: barrier could not start: {}", impl_->where, e.what());
  }
  C10dWork(work, nullptr, impl_->where + ": barrier").wait();
}

std::shared_ptr<void> host_agent_store(int port, int num_workers, std::chrono::seconds timeout) {
  fail_if(port < 1 || port > 65535, "host_agent_store: port {} is not in 1..65535", port);
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = true;
  options.numWorkers = static_cast<std::size_t>(num_workers);
  options.waitWorkers = false;  // like torchrun's agent: workers come and go across restarts
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  try {
    auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
    return std::make_shared<c10::intrusive_ptr<c10d::TCPStore>>(std::move(store));
  } catch (const std::exception& e) {
    throw error("cannot host a TCPStore on port {}: {}", port, e.what());
  }
}

}  // namespace ptk::dist
