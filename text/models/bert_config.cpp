#include "text/models/bert_config.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/error.h"
#include "common/base/named_presets.h"
#include "common/io/atomic_file.h"

namespace ptk::text {
namespace {

BertConfig compact(int64_t layers, int64_t hidden, int64_t heads, int64_t ffn) {
  BertConfig c;
  c.num_hidden_layers = layers;
  c.hidden_size = hidden;
  c.num_attention_heads = heads;
  c.intermediate_size = ffn;
  return c;
}

const NamedPresets<BertConfig>& presets() {
  static const NamedPresets<BertConfig> all = {
      {"bert-base", compact(12, 768, 12, 3072)}, {"bert-large", compact(24, 1024, 16, 4096)},
      {"bert-tiny", compact(2, 128, 2, 512)},    {"bert-mini", compact(4, 256, 4, 1024)},
      {"bert-small", compact(4, 512, 8, 2048)},  {"bert-medium", compact(8, 512, 8, 2048)},
  };
  return all;
}

// The shortest decimal that reads back as the same double, so 0.1 is written "0.1" and
// 1e-12 "1e-12" (what HF's json.dumps writes), not 0.10000000000000001.
std::string number(double value) {
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string s = buffer;
  // JSON readers take "1e-12"; a bare integral double such as 1 stays a JSON number as "1.0".
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void check_positive(const char* field, int64_t value) {
  if (value < 1) {
    throw usage_error("bert config: {} must be >= 1 (got {})", field, value);
  }
}

void check_probability(const char* field, double value) {
  if (!(value >= 0.0 && value < 1.0)) {
    throw usage_error("bert config: {} must be in [0, 1) (got {})", field, number(value));
  }
}

}  // namespace

const std::vector<std::string>& bert_config_names() {
  static const std::vector<std::string> names = preset_names(presets());
  return names;
}

BertConfig bert_config(const std::string& name) {
  return find_preset(presets(), name, "BERT model");
}

void validate(const BertConfig& c) {
  check_positive("vocab_size", c.vocab_size);
  check_positive("hidden_size", c.hidden_size);
  check_positive("num_hidden_layers", c.num_hidden_layers);
  check_positive("num_attention_heads", c.num_attention_heads);
  check_positive("intermediate_size", c.intermediate_size);
  check_positive("max_position_embeddings", c.max_position_embeddings);
  check_positive("type_vocab_size", c.type_vocab_size);
  if (c.hidden_size % c.num_attention_heads != 0) {
    throw usage_error(
        "bert config: hidden_size ({}) must be a multiple of num_attention_heads ({})",
        c.hidden_size, c.num_attention_heads);
  }
  if (c.hidden_act != "gelu" && c.hidden_act != "gelu_new" && c.hidden_act != "relu") {
    throw usage_error("bert config: hidden_act '{}' is not supported; valid: gelu, gelu_new, relu",
                      c.hidden_act);
  }
  check_probability("hidden_dropout_prob", c.hidden_dropout_prob);
  check_probability("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  if (!(c.initializer_range > 0.0)) {
    throw usage_error("bert config: initializer_range must be > 0 (got {})",
                      number(c.initializer_range));
  }
  if (!(c.layer_norm_eps > 0.0)) {
    throw usage_error("bert config: layer_norm_eps must be > 0 (got {})", number(c.layer_norm_eps));
  }
  if (c.pad_token_id < 0 || c.pad_token_id >= c.vocab_size) {
    throw usage_error("bert config: pad_token_id must be in [0, vocab_size = {}) (got {})",
                      c.vocab_size, c.pad_token_id);
  }
}

int64_t parameter_count(const BertConfig& c) {
  const int64_t h = c.hidden_size, ffn = c.intermediate_size;
  const int64_t layer_norm = 2 * h;
  // Post-LN has the embeddings LayerNorm; pre-LN has the final encoder LayerNorm instead.
  const int64_t embeddings = (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * h;
  const int64_t attention = 4 * (h * h + h);
  const int64_t feed_forward = (h * ffn + ffn) + (ffn * h + h);
  const int64_t layer = attention + feed_forward + 2 * layer_norm;
  const int64_t pooler = h * h + h;
  return embeddings + layer_norm + c.num_hidden_layers * layer + pooler;
}

int64_t pretraining_parameter_count(const BertConfig& c) {
  const int64_t h = c.hidden_size;
  const int64_t transform = h * h + h + 2 * h;
  const int64_t mlm_bias = c.vocab_size;
  const int64_t nsp = 2 * h + 2;
  return parameter_count(c) + transform + mlm_bias + nsp;
}

int64_t sequence_classification_parameter_count(const BertConfig& c, int64_t num_labels) {
  return parameter_count(c) + num_labels * c.hidden_size + num_labels;
}

std::string to_hf_json(const BertConfig& c) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"architectures", "[\n    \"BertForPreTraining\"\n  ]"},
      {"model_type", json_string("bert")},
      {"vocab_size", std::to_string(c.vocab_size)},
      {"hidden_size", std::to_string(c.hidden_size)},
      {"num_hidden_layers", std::to_string(c.num_hidden_layers)},
      {"num_attention_heads", std::to_string(c.num_attention_heads)},
      {"intermediate_size", std::to_string(c.intermediate_size)},
      {"hidden_act", json_string(c.hidden_act)},
      {"hidden_dropout_prob", number(c.hidden_dropout_prob)},
      {"attention_probs_dropout_prob", number(c.attention_probs_dropout_prob)},
      {"max_position_embeddings", std::to_string(c.max_position_embeddings)},
      {"type_vocab_size", std::to_string(c.type_vocab_size)},
      {"initializer_range", number(c.initializer_range)},
      {"layer_norm_eps", number(c.layer_norm_eps)},
      {"pad_token_id", std::to_string(c.pad_token_id)},
      {"position_embedding_type", json_string("absolute")},
  };
  if (c.pre_layer_norm) fields.emplace_back("pre_layer_norm", "true");
  std::string out = "{\n";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out += "  " + json_string(fields[i].first) + ": " + fields[i].second;
    out += i + 1 < fields.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

namespace {

// A field of an HF config.json into `into` when present; a usage_error naming `origin` and the
// key when it has another JSON type.
template <typename T>
void read_json_field(const nlohmann::json& json, const char* key, const std::string& origin,
                     T& into) {
  const auto it = json.find(key);
  if (it == json.end()) return;
  bool fits = false;
  const char* kind = "";
  if constexpr (std::is_same_v<T, bool>) {
    fits = it->is_boolean();
    kind = "true or false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    fits = it->is_string();
    kind = "a string";
  } else if constexpr (std::is_integral_v<T>) {
    fits = it->is_number_integer();
    kind = "an integer";
  } else {
    fits = it->is_number();
    kind = "a number";
  }
  if (!fits) throw usage_error("{}: field '{}' must be {} (got {})", origin, key, kind, it->dump());
  into = it->get<T>();
}

}  // namespace

BertConfig from_hf_json(const std::string& text, const std::string& origin) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw usage_error("{}: not valid JSON: {}", origin, e.what());
  }
  if (!json.is_object()) throw usage_error("{}: expected a JSON object", origin);

  BertConfig c;
  const auto read = [&](const char* key, auto& into) { read_json_field(json, key, origin, into); };
  std::string model_type = "bert", position_embedding_type = "absolute";
  read("model_type", model_type);
  if (model_type != "bert") {
    throw usage_error("{}: model_type '{}' is not a BERT config", origin, model_type);
  }
  read("position_embedding_type", position_embedding_type);
  if (position_embedding_type != "absolute") {
    throw usage_error("{}: position_embedding_type '{}' is not supported (only 'absolute')", origin,
                      position_embedding_type);
  }
  read("vocab_size", c.vocab_size);
  read("hidden_size", c.hidden_size);
  read("num_hidden_layers", c.num_hidden_layers);
  read("num_attention_heads", c.num_attention_heads);
  read("intermediate_size", c.intermediate_size);
  read("hidden_act", c.hidden_act);
  read("hidden_dropout_prob", c.hidden_dropout_prob);
  read("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  read("max_position_embeddings", c.max_position_embeddings);
  read("type_vocab_size", c.type_vocab_size);
  read("initializer_range", c.initializer_range);
  read("layer_norm_eps", c.layer_norm_eps);
  // HF writes "pad_token_id": null in some configs; that means the default.
  if (auto it = json.find("pad_token_id"); it != json.end() && !it->is_null()) {
    read("pad_token_id", c.pad_token_id);
  }
  read("pre_layer_norm", c.pre_layer_norm);
  try {
    validate(c);
  } catch (const Error& e) {
    throw usage_error("{}: {}", origin, e.what());
  }
  return c;
}

BertConfig load_hf_config(const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const Error& e) {
    throw usage_error("BERT config: {}", e.what());
  }
  return from_hf_json(text, path);
}

}  // namespace ptk::text
