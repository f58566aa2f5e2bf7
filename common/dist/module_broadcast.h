// Start-of-training consistency: every rank copies rank 0's parameters and buffers, so
// differently seeded or differently loaded replicas train the same model.
#pragma once

#include "common/dist/process_group.h"

namespace torch::nn {
class Module;
}

namespace ptk::dist {

// Broadcasts every parameter and buffer of `module` (recursively, in named order) from rank 0,
// in place and without recording autograd history. All ranks must hold the same module tree;
// a mismatch in count, name, shape or dtype throws ptk::Error on every rank (no rank hangs)
// naming the first differing tensor.
void broadcast_module(ProcessGroup& group, torch::nn::Module& module);

}  // namespace ptk::dist
