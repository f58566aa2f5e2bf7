#include "text/models/hf_bert_keys.h"

#include <algorithm>
#include <string>

namespace ptk::text {

namespace {

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// A BertModel checkpoint: encoder keys without the "bert." of BertFor* models.
bool is_bare_encoder(const io::StateDict& state) {
  bool bare = false;
  for (const auto& entry : state) {
    if (starts_with(entry.first, "bert.")) return false;
    if (starts_with(entry.first, "embeddings.")) bare = true;
  }
  return bare;
}

}  // namespace

io::StateDict from_hf_bert_keys(io::StateDict state) {
  const bool bare = is_bare_encoder(state);
  io::StateDict renamed;
  for (auto& [name, tensor] : state) {
    if (name == "cls.predictions.decoder.weight" || name == "cls.predictions.decoder.bias" ||
        name == "bert.embeddings.position_ids" || name == "embeddings.position_ids") {
      continue;
    }
    const bool encoder = starts_with(name, "embeddings.") || starts_with(name, "encoder.") ||
                         starts_with(name, "pooler.");
    renamed.emplace_back(bare && encoder ? "bert." + name : name, std::move(tensor));
  }
  return renamed;
}

}  // namespace ptk::text
