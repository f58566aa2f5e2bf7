// safetensors files for LibTorch tensors: the format HF transformers and the safetensors
// package read. Writes are atomic; reads validate the whole header (safetensors_format.h)
// before touching tensor data, so a damaged file is a ptk::Error naming it, never a crash.
#pragma once

#include <map>
#include <string>

#include "common/io/state_dict.h"

namespace ptk::io {

// Writes `tensors` in the given order: contiguous, C order, little endian, header padded with
// spaces to a multiple of 8, "__metadata__" holding {"format": "pt"} plus `metadata`.
// Supported dtypes: float64/32/16, bfloat16, int64/32/16/8, uint8, bool; others throw.
// Tensors on a GPU are copied to the host first. Names must be unique and not "__metadata__".
void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor (in file order) into freshly allocated CPU tensors of the stored dtype and
// shape. When `metadata` is given it receives the "__metadata__" map.
StateDict load_safetensors(const std::string& path,
                           std::map<std::string, std::string>* metadata = nullptr);

}  // namespace ptk::io
