// State dicts: the ordered name -> tensor list that PyTorch calls a state_dict, taken from and
// loaded into torch::nn::Module trees with PyTorch's exact key names and order, and saved as a
// pickle that Python's torch.load reads as a dict of tensors. Every file read is validated:
// bad input throws ptk::Error naming the file, never crashes.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace ptk::io {

// Ordered like a Python OrderedDict: insertion order is file order and iteration order.
using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

// Parameters and buffers under dotted names ("layer1.0.conv1.weight"), in PyTorch's
// Module.state_dict() order: for each module, its own parameters, then its own buffers, then
// each child in registration order, recursively. Tensors are the module's own (no copy).
StateDict module_state_dict(const torch::nn::Module& module);

// Copies `state` into the module's parameters and buffers in place (no autograd history),
// converting dtype and device as needed. Collects every problem and throws ONE ptk::Error
// listing missing keys, unexpected keys and shape mismatches. With strict = false, missing
// and unexpected keys are tolerated but shape mismatches still throw (as in PyTorch). On
// error nothing is modified.
void load_module_state_dict(torch::nn::Module& module, const StateDict& state, bool strict = true);

// Writes torch::pickle_save of an insertion-ordered c10::Dict<str, Tensor>, atomically.
// Python's torch.load(path) returns a dict of tensors with the same keys in the same order.
// Tensors are saved from CPU copies (GPU tensors are copied to the host first).
void save_torch_state_dict(const std::string& path, const StateDict& state);

// Reads a file written by save_torch_state_dict or by Python's torch.save of a plain dict of
// str -> Tensor. LibTorch cannot unpickle collections.OrderedDict, so torch.save of
// model.state_dict() itself is refused with an error saying to save dict(model.state_dict())
// (or safetensors) instead. Throws ptk::Error naming the file when it is missing, garbage,
// truncated, or not a dict of str -> Tensor.
StateDict load_torch_state_dict(const std::string& path);

// The tensor stored under `name`, or nullptr.
const at::Tensor* find_tensor(const StateDict& state, const std::string& name);

}  // namespace ptk::io
