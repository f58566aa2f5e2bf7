// SGD (momentum, Nesterov) and AdamW whose step updates all parameters of a param group with
// LibTorch's multi-tensor (_foreach_*) operations instead of a few small operations per
// parameter. On a GPU that is a handful of kernel launches per group instead of several per
// parameter (ResNeXt-101 and BERT-base have 300-odd and 200-odd parameter tensors); on a CPU
// the operations run tensor by tensor as before.
//
// They are LibTorch's torch::optim::SGD and AdamW with only step() replaced: the same options,
// the same per-parameter state under the same keys, the same arithmetic in the same order (the
// CPU result is bitwise LibTorch's), so checkpoints load either way round.
#pragma once

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

namespace ptk::train {

class ForeachSgd : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;
  // Sparse gradients and dampening with Nesterov are a ptk::Error, as LibTorch rejects them.
  at::Tensor step(LossClosure closure = nullptr) override;
};

class ForeachAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  // Sparse gradients are a ptk::Error; amsgrad groups take LibTorch's per-parameter step.
  at::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace ptk::train
