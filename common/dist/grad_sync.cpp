#include "common/dist/grad_sync.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <mutex>
#include <string>

#include "common/base/error.h"

namespace ptk::dist {

struct GradSync::State {
  struct Bucket {
    std::vector<size_t> params;  // indices into State::params
    std::vector<int64_t> offsets;
    at::Tensor flat;
    size_t pending = 0;  // parameters of this bucket still waiting for their gradient
    std::shared_ptr<Work> work;
  };

  std::shared_ptr<ProcessGroup> group;
  std::vector<at::Tensor> params;
  std::vector<size_t> bucket_of;  // per parameter
  std::vector<size_t> slot_of;    // per parameter: position within its bucket
  std::vector<bool> ready;        // per parameter, this step
  std::vector<Bucket> buckets;
  std::vector<unsigned> hook_ids;

  std::mutex mutex;  // hooks may run on autograd's device threads (GPU)
  bool sync_enabled = true;
  bool step_pending = false;  // a synced backward ran some hooks and finish() has not yet
  size_t next_launch = 0;     // buckets launch strictly in index order on every rank

  at::Tensor slot(size_t param) {
    const Bucket& b = buckets[bucket_of[param]];
    size_t i = slot_of[param];
    return b.flat.narrow(0, b.offsets[i], params[param].numel());
  }

  // Fills a parameter's slot with its local gradient (accumulated + this backward's).
  void fill(size_t param, const at::Tensor& incoming) {
    at::Tensor s = slot(param);
    const at::Tensor& grad = params[param].grad();
    if (grad.defined() && incoming.defined()) {
      at::add_out(s, grad.reshape({-1}), incoming.reshape({-1}));
    } else if (grad.defined()) {
      s.copy_(grad.reshape({-1}));
    } else if (incoming.defined()) {
      s.copy_(incoming.reshape({-1}));
    } else {
      s.zero_();
    }
  }

  // Launches every complete bucket from next_launch on, in order; the caller holds the mutex.
  void launch_ready() {
    while (next_launch < buckets.size() && buckets[next_launch].pending == 0) {
      Bucket& b = buckets[next_launch];
      b.flat.div_(static_cast<double>(group->size()));
      std::vector<at::Tensor> one{b.flat};
      b.work = group->all_reduce_sum_async(one);
      ++next_launch;
    }
  }

  void on_grad(size_t param, const at::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!sync_enabled) return;
    if (ready[param]) {
      throw error(
          "GradSync: parameter {} received a second gradient in one synced step; call finish() "
          "after each synced backward (and before the next)",
          param);
    }
    if (grad.defined() && grad.layout() != at::kStrided) {
      throw error("GradSync: parameter {} has a sparse gradient; only dense gradients are averaged",
                  param);
    }
    at::NoGradGuard no_grad;
    fill(param, grad);
    ready[param] = true;
    step_pending = true;
    Bucket& b = buckets[bucket_of[param]];
    if (--b.pending == 0) launch_ready();
  }

  void reset_step() {
    std::fill(ready.begin(), ready.end(), false);
    for (Bucket& b : buckets) {
      b.pending = b.params.size();
      b.work.reset();
    }
    next_launch = 0;
    step_pending = false;
  }
};

GradSync::GradSync(std::shared_ptr<ProcessGroup> group, std::vector<at::Tensor> parameters,
                   size_t bucket_bytes)
    : state_(std::make_shared<State>()) {
  fail_if(!group, "GradSync: no process group given");
  State& s = *state_;
  s.group = std::move(group);
  for (at::Tensor& p : parameters) {
    if (p.defined() && p.requires_grad()) s.params.push_back(p);
  }
  size_t n = s.params.size();
  s.bucket_of.assign(n, 0);
  s.slot_of.assign(n, 0);
  s.ready.assign(n, false);

  // Reverse parameter order: backward produces the last layers' gradients first.
  size_t bucket_fill = 0;
  for (size_t k = n; k-- > 0;) {
    const at::Tensor& p = s.params[k];
    size_t bytes = static_cast<size_t>(p.numel()) * p.element_size();
    bool start_new = s.buckets.empty() || bucket_fill >= bucket_bytes;
    if (!start_new) {
      const at::Tensor& first = s.params[s.buckets.back().params.front()];
      start_new = first.scalar_type() != p.scalar_type() || first.device() != p.device();
    }
    if (start_new) {
      s.buckets.emplace_back();
      bucket_fill = 0;
    }
    State::Bucket& b = s.buckets.back();
    int64_t offset = b.offsets.empty() ? 0 : b.offsets.back() + s.params[b.params.back()].numel();
    s.bucket_of[k] = s.buckets.size() - 1;
    s.slot_of[k] = b.params.size();
    b.params.push_back(k);
    b.offsets.push_back(offset);
    bucket_fill += bytes;
  }
  for (State::Bucket& b : s.buckets) {
    const at::Tensor& first = s.params[b.params.front()];
    int64_t total = b.offsets.back() + s.params[b.params.back()].numel();
    b.flat = at::zeros({total}, first.options().requires_grad(false));
    b.pending = b.params.size();
  }

  // One rank: nothing to average, so no hooks and no cost.
  if (s.group->size() == 1) return;
  std::weak_ptr<State> weak = state_;
  for (size_t k = 0; k < n; ++k) {
    // The hook must not own the parameter (that would be a cycle through the tensor's hook
    // list), so it reaches the state through a weak pointer.
    s.hook_ids.push_back(s.params[k].register_hook([weak, k](const at::Tensor& grad) {
      if (auto state = weak.lock()) state->on_grad(k, grad);
    }));
  }
}

GradSync::~GradSync() {
  State& s = *state_;
  for (size_t k = 0; k < s.hook_ids.size(); ++k) {
    try {
      s.params[k].remove_hook(s.hook_ids[k]);
    } catch (const std::exception&) {
      // A parameter that lost its autograd metadata has no hooks left to remove.
    }
  }
}

void GradSync::set_sync_enabled(bool enabled) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  fail_if(state_->step_pending,
          "GradSync: set_sync_enabled called between a synced backward and finish()");
  state_->sync_enabled = enabled;
}

void GradSync::finish() {
  State& s = *state_;
  if (s.group->size() == 1) return;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (!s.sync_enabled) return;
  at::NoGradGuard no_grad;
  // Parameters that got no gradient in this backward still take part (with their
  // accumulated gradient or zero), so every rank issues the same collectives in the same order.
  for (size_t k = 0; k < s.params.size(); ++k) {
    if (s.ready[k]) continue;
    s.fill(k, at::Tensor());
    s.ready[k] = true;
    --s.buckets[s.bucket_of[k]].pending;
  }
  s.launch_ready();
  lock.unlock();

  std::exception_ptr failure;
  for (State::Bucket& b : s.buckets) {
    try {
      if (b.work) b.work->wait();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  lock.lock();
  if (failure) {
    s.reset_step();
    std::rethrow_exception(failure);
  }
  // Backward has finished, so autograd's own accumulation into .grad() is done and is
  // overwritten here with the average.
  for (size_t k = 0; k < s.params.size(); ++k) {
    at::Tensor averaged = s.slot(k).view(s.params[k].sizes());
    at::Tensor& grad = s.params[k].mutable_grad();
    if (grad.defined() && grad.sizes() == averaged.sizes()) {
      grad.copy_(averaged);
    } else {
      grad = averaged.clone();
    }
  }
  s.reset_step();
}

size_t GradSync::num_buckets() const { return state_->buckets.size(); }

size_t GradSync::launched_buckets() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->next_launch;
}

}  // namespace ptk::dist
