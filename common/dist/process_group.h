// A process group for data-parallel training: blocking and asynchronous collectives over
// LibTorch's c10d (Gloo on CPU, NCCL on GPU), plus the rendezvous store. This header and its
// .cpp are the only place that touches c10d; every LibTorch version difference lives there.
// A ProcessGroup is used by one training thread at a time; collectives are issued in the same
// order on every rank (as c10d requires).
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/dist/launch_env.h"

namespace ptk::dist {

enum class BackendKind { kGloo, kNccl };

// "gloo" / "nccl"; parse_backend throws a usage ptk::Error naming the value otherwise.
BackendKind parse_backend(const std::string& name);
const char* backend_name(BackendKind backend);

// A pending collective. wait() blocks until it completed and throws ptk::Error if it failed.
class Work {
 public:
  virtual ~Work();
  virtual void wait() = 0;
};

class ProcessGroup {
 public:
  struct Impl;

  // Single-process group (world 1): every collective is a no-op; no store, no sockets.
  static std::shared_ptr<ProcessGroup> single();

  // Joins the group described by `env`. Store: when env.use_agent_store (torchrun) every rank
  // connects as a client to the agent's TCPStore at master_addr:master_port; otherwise rank 0
  // hosts a TCPStore there and the others connect. Either way keys live under
  // PrefixStore("/worker/attempt_<restart_count>"), as torchrun's own workers do, so a
  // restarted attempt never sees the previous attempt's keys. `timeout` bounds the rendezvous
  // and every collective; failures throw ptk::Error naming the address and rank.
  // A world of 1 returns single().
  static std::shared_ptr<ProcessGroup> create(const LaunchEnv& env, BackendKind backend,
                                              std::chrono::seconds timeout);

  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  BackendKind backend() const;
  // Where collective inputs must live: CPU for gloo, this rank's GPU (cuda:local_rank) for nccl.
  at::Device device() const;

  // Element-wise sum across ranks, in place. All tensors must be dense and contiguous, on the
  // backend's device (CPU for Gloo, this rank's GPU for NCCL).
  std::shared_ptr<Work> all_reduce_sum_async(std::vector<at::Tensor>& tensors);
  void all_reduce_sum(std::vector<at::Tensor>& tensors);
  // Overwrites `tensors` on every rank with root's values.
  void broadcast(std::vector<at::Tensor>& tensors, int root);
  void barrier();

 private:
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Hosts a TCPStore server at 0.0.0.0:`port` for `num_workers` clients, as torchrun's elastic
// agent does (its workers then run with TORCHELASTIC_USE_AGENT_STORE=True). The server lives
// until the returned handle is released. For launchers and tests written in C++.
std::shared_ptr<void> host_agent_store(int port, int num_workers, std::chrono::seconds timeout);

}  // namespace ptk::dist
