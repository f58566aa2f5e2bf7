#include "common/io/state_dict.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/nn/module.h>

#include <map>
#include <set>
#include <sstream>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::io {
namespace {

void collect(const torch::nn::Module& module, const std::string& prefix, StateDict& out) {
  // Python's Module._save_to_state_dict: own parameters, then own buffers; then
  // Module.state_dict recurses into children in registration order. Unset parameters (a conv
  // without bias registers an undefined tensor in C++, None in Python) are skipped.
  for (const auto& item : module.named_parameters(/*recurse=*/false)) {
    if (item.value().defined()) out.emplace_back(prefix + item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/false)) {
    if (item.value().defined()) out.emplace_back(prefix + item.key(), item.value());
  }
  for (const auto& child : module.named_children()) {
    collect(*child.value(), prefix + child.key() + ".", out);
  }
}

std::string shape_string(at::IntArrayRef sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) s += ", ";
    s += "\"" + keys[i] + "\"";
  }
  return s;
}

// The first line of a LibTorch error: its backtrace helps nobody reading a file error.
std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

}  // namespace

StateDict module_state_dict(const torch::nn::Module& module) {
  StateDict out;
  collect(module, "", out);
  return out;
}

const at::Tensor* find_tensor(const StateDict& state, const std::string& name) {
  for (const auto& item : state) {
    if (item.first == name) return &item.second;
  }
  return nullptr;
}

void load_module_state_dict(torch::nn::Module& module, const StateDict& state, bool strict) {
  const StateDict expected = module_state_dict(module);
  std::map<std::string, const at::Tensor*> given;
  std::vector<std::string> duplicates;
  for (const auto& [name, tensor] : state) {
    if (!given.emplace(name, &tensor).second) duplicates.push_back(name);
  }
  std::vector<std::string> missing;
  std::vector<std::string> mismatches;
  std::set<std::string> known;
  for (const auto& [name, target] : expected) {
    known.insert(name);
    const auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
      continue;
    }
    const at::Tensor& source = *it->second;
    if (!source.defined()) {
      mismatches.push_back("\"" + name + "\": the state dict holds an undefined tensor");
    } else if (source.sizes() != target.sizes()) {
      mismatches.push_back("size mismatch for \"" + name + "\": expected " +
                           shape_string(target.sizes()) + " (module) got " +
                           shape_string(source.sizes()) + " (state dict)");
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : state) {
    if (!known.count(name)) unexpected.push_back(name);
  }

  const bool key_errors = strict && (!missing.empty() || !unexpected.empty());
  if (key_errors || !mismatches.empty() || !duplicates.empty()) {
    std::ostringstream msg;
    msg << "error(s) loading state dict into " << module.name() << ":";
    if (strict && !missing.empty()) msg << "\n  missing keys: " << quoted_list(missing);
    if (strict && !unexpected.empty()) msg << "\n  unexpected keys: " << quoted_list(unexpected);
    if (!duplicates.empty()) msg << "\n  duplicate keys: " << quoted_list(duplicates);
    for (const auto& m : mismatches) msg << "\n  " << m;
    throw error(msg.str());
  }

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : expected) {
    const auto it = given.find(name);
    if (it == given.end()) continue;
    // copy_ through a handle: the module's tensor keeps its storage, dtype and device.
    at::Tensor dst = target;
    dst.copy_(*it->second);
  }
}

void save_torch_state_dict(const std::string& path, const StateDict& state) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : state) {
    if (!tensor.defined()) {
      throw error("cannot write '{}': tensor \"{}\" is undefined", path, name);
    }
    if (dict.contains(name)) {
      throw error("cannot write '{}': duplicate key \"{}\"", path, name);
    }
    at::Tensor t = tensor.detach().to(at::kCPU);
    // A view would drag its whole base storage into the file; store just its elements.
    if (!t.is_contiguous() ||
        t.storage().nbytes() != static_cast<std::size_t>(t.numel()) * t.element_size()) {
      t = t.clone(at::MemoryFormat::Contiguous);
    }
    dict.insert(name, t);
  }
  std::vector<char> bytes;
  try {
    bytes = torch::jit::pickle_save(c10::IValue(dict));
  } catch (const c10::Error& e) {
    throw error("cannot write '{}': {}", path, first_line(e.what_without_backtrace()));
  }
  write_file_atomic(path, bytes.data(), bytes.size());
}

StateDict load_torch_state_dict(const std::string& path) {
  const std::string text = read_file(path);
  fail_if(text.empty(), "cannot load state dict '{}': the file is empty", path);
  std::vector<char> bytes(text.begin(), text.end());
  // LibTorch's unpickler turns collections.OrderedDict (what Python's Module.state_dict()
  // returns) into None, so torch.save(model.state_dict()) cannot be read from C++. Say so
  // instead of reporting a confusing internal failure. The pickle is stored uncompressed in
  // the archive, so the class name is visible in the raw bytes.
  const bool ordered_dict = text.find("collections\nOrderedDict\n") != std::string::npos;
  const std::string hint = ordered_dict
                               ? "; the file holds a Python collections.OrderedDict (torch.save of "
                                 "model.state_dict()), which LibTorch cannot unpickle: save "
                                 "dict(model.state_dict()) or a safetensors file instead"
                               : "";
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw error("cannot load state dict '{}': not a readable torch pickle ({}){}", path,
                first_line(e.what_without_backtrace()), hint);
  } catch (const std::exception& e) {
    throw error("cannot load state dict '{}': not a readable torch pickle ({}){}", path,
                first_line(e.what()), hint);
  }
  if (!value.isGenericDict()) {
    fail_if(ordered_dict, "cannot load state dict '{}'{}", path, hint);
    throw error("cannot load state dict '{}': the file holds a {}, not a dict of str -> Tensor",
                path, value.tagKind());
  }
  StateDict state;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString()) {
      throw error("cannot load state dict '{}': a key is a {}, not a string", path,
                  item.key().tagKind());
    }
    const std::string name = item.key().toStringRef();
    if (!item.value().isTensor()) {
      throw error("cannot load state dict '{}': entry \"{}\" is a {}, not a Tensor", path, name,
                  item.value().tagKind());
    }
    state.emplace_back(name, item.value().toTensor());
  }
  return state;
}

}  // namespace ptk::io
