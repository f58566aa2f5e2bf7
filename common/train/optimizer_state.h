// Per-parameter optimizer state lookup shared by the optimizers written here (LAMB and the
// multi-tensor SGD / AdamW steps), so that they keep their state where LibTorch's own
// optimizers and its serializer expect it.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <c10/util/StringUtil.h>
#include <torch/optim/optimizer.h>

namespace ptk::train {

// LibTorch keys optimizer state by the parameter's TensorImpl: as its printed address up to
// 1.13, as the pointer itself from 2.0 on. Both spellings go through this one function.
using OptimizerStateMap = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>;
using OptimizerStateKey = OptimizerStateMap::key_type;

// (A template only so that `if constexpr` discards the spelling this LibTorch does not use.)
template <typename Key = OptimizerStateKey>
Key optimizer_state_key(const at::Tensor& param) {
  if constexpr (std::is_same_v<Key, std::string>) {
    return c10::str(param.unsafeGetTensorImpl());  // the format LibTorch's serializer writes
  } else {
    return param.unsafeGetTensorImpl();
  }
}

// The state of `param` as a State, or nullptr when it has none yet.
template <typename State>
State* find_param_state(OptimizerStateMap& states, const at::Tensor& param) {
  const auto found = states.find(optimizer_state_key(param));
  return found == states.end() ? nullptr : static_cast<State*>(found->second.get());
}

// Stores a new state for `param` and returns it.
template <typename State>
State& add_param_state(OptimizerStateMap& states, const at::Tensor& param,
                       std::unique_ptr<State> state) {
  State& stored = *state;
  states[optimizer_state_key(param)] = std::move(state);
  return stored;
}

}  // namespace ptk::train
