#include "text/models/bert_config.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/error.h"
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

const std::vector<std::pair<std::string, BertConfig>>& presets() {
  static const std::vector<std::pair<std::string, BertConfig>> all = {
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
    throw usage_error(std::string("bert config: ") + field + " must be >= 1 (got " +
                      std::to_string(value) + ")");
  }
}

void check_probability(const char* field, double value) {
  if (!(value >= 0.0 && value < 1.0)) {
    throw usage_error(std::string("bert config: ") + field + " must be in [0, 1) (got " +
                      number(value) + ")");
  }
}

}  // namespace

const std::vector<std::string>& bert_config_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, config] : presets()) out.push_back(name);
    return out;
  }();
  return names;
}

BertConfig bert_config(const std::string& name) {
  for (const auto& [preset, config] : presets()) {
    if (preset == name) return config;
  }
  std::string valid;
  for (const auto& n : bert_config_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw usage_error("unknown BERT model '" + name + "'; valid names: " + valid);
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
    throw usage_error("bert config: hidden_size (" + std::to_string(c.hidden_size) +
                      ") must be a multiple of num_attention_heads (" +
                      std::to_string(c.num_attention_heads) + ")");
  }
  if (c.hidden_act != "gelu" && c.hidden_act != "gelu_new" && c.hidden_act != "relu") {
    throw usage_error("bert config: hidden_act '" + c.hidden_act +
                      "' is not supported; valid: gelu, gelu_new, relu");
  }
  check_probability("hidden_dropout_prob", c.hidden_dropout_prob);
  check_probability("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  if (!(c.initializer_range > 0.0)) {
    throw usage_error("bert config: initializer_range must be > 0 (got " +
                      number(c.initializer_range) + ")");
  }
  if (!(c.layer_norm_eps > 0.0)) {
    throw usage_error("bert config: layer_norm_eps must be > 0 (got " + number(c.layer_norm_eps) +
                      ")");
  }
  if (c.pad_token_id < 0 || c.pad_token_id >= c.vocab_size) {
    throw usage_error(
        "bert config: pad_token_id must be in [0, vocab_size = " + std::to_string(c.vocab_size) +
        ") (got " + std::to_string(c.pad_token_id) + ")");
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

BertConfig from_hf_json(const std::string& text, const std::string& origin) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw usage_error(origin + ": not valid JSON: " + e.what());
  }
  if (!json.is_object()) throw usage_error(origin + ": expected a JSON object");

  BertConfig c;
  const auto read_int = [&](const char* key, int64_t& into) {
    auto it = json.find(key);
    if (it == json.end()) return;
    if (!it->is_number_integer()) {
      throw usage_error(origin + ": field '" + key + "' must be an integer (got " + it->dump() +
                        ")");
    }
    into = it->get<int64_t>();
  };
  const auto read_double = [&](const char* key, double& into) {
    auto it = json.find(key);
    if (it == json.end()) return;
    if (!it->is_number()) {
      throw usage_error(origin + ": field '" + key + "' must be a number (got " + it->dump() + ")");
    }
    into = it->get<double>();
  };
  const auto read_string = [&](const char* key, std::string& into) {
    auto it = json.find(key);
    if (it == json.end()) return;
    if (!it->is_string()) {
      throw usage_error(origin + ": field '" + key + "' must be a string (got " + it->dump() + ")");
    }
    into = it->get<std::string>();
  };

  std::string model_type = "bert", position_embedding_type = "absolute";
  read_string("model_type", model_type);
  if (model_type != "bert") {
    throw usage_error(origin + ": model_type '" + model_type + "' is not a BERT config");
  }
  read_string("position_embedding_type", position_embedding_type);
  if (position_embedding_type != "absolute") {
    throw usage_error(origin + ": position_embedding_type '" + position_embedding_type +
                      "' is not supported (only 'absolute')");
  }
  read_int("vocab_size", c.vocab_size);
  read_int("hidden_size", c.hidden_size);
  read_int("num_hidden_layers", c.num_hidden_layers);
  read_int("num_attention_heads", c.num_attention_heads);
  read_int("intermediate_size", c.intermediate_size);
  read_string("hidden_act", c.hidden_act);
  read_double("hidden_dropout_prob", c.hidden_dropout_prob);
  read_double("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  read_int("max_position_embeddings", c.max_position_embeddings);
  read_int("type_vocab_size", c.type_vocab_size);
  read_double("initializer_range", c.initializer_range);
  read_double("layer_norm_eps", c.layer_norm_eps);
  // HF writes "pad_token_id": null in some configs; that means the default.
  if (auto it = json.find("pad_token_id"); it != json.end() && !it->is_null()) {
    read_int("pad_token_id", c.pad_token_id);
  }
  if (auto it = json.find("pre_layer_norm"); it != json.end()) {
    if (!it->is_boolean()) {
      throw usage_error(origin + ": field 'pre_layer_norm' must be true or false (got " +
                        it->dump() + ")");
    }
    c.pre_layer_norm = it->get<bool>();
  }
  try {
    validate(c);
  } catch (const Error& e) {
    throw usage_error(origin + ": " + e.what());
  }
  return c;
}

BertConfig load_hf_config(const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const Error& e) {
    throw usage_error(std::string("BERT config: ") + e.what());
  }
  return from_hf_json(text, path);
}

}  // namespace ptk::text
