#include "common/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "common/config/yaml_text.h"
#include "common/io/atomic_file.h"

namespace ptk::config {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (c == '.' && key[i + 1] != '.');
    if (!ok) return false;
  }
  return true;
}

std::string unknown_key_message(const Schema& schema, const std::string& key,
                                const std::string& origin) {
  std::string message = "unknown config key '" + key + "' (" + origin + ")";
  std::string nearest = schema.nearest_key(key);
  if (!nearest.empty()) message += "; did you mean '" + nearest + "'?";
  return message;
}

[[noreturn]] void throw_type_error(const std::string& key, const Value& expected,
                                   const std::string& got, const std::string& origin) {
  throw usage_error("config key '{}' expects {}, got '{}' ({})", key, type_name(expected), got,
                    origin);
}

// A YAML config is UTF-8 text: a string value that is not would be altered when the config is
// rendered (to_yaml, the copy stored in checkpoints), so it is rejected where it comes in.
void check_text(const std::string& key, const Value& value, const std::string& origin) {
  bool ok = true;
  if (const auto* text = std::get_if<std::string>(&value)) ok = is_valid_utf8(*text);
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    for (const auto& text : *list) ok = ok && is_valid_utf8(text);
  }
  if (!ok) {
    throw usage_error(
        "config key '{}' ({}): value is not valid UTF-8; config values are UTF-8 text", key,
        origin);
  }
}

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

template <typename T>
bool convert_scalar(const YAML::Node& node, T* out) {
  if (!node.IsScalar()) return false;
  try {
    *out = node.as<T>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

bool convert_double(const YAML::Node& node, double* out) {
  if (!convert_scalar(node, out)) return false;
  return true;
}

template <typename T, typename Convert>
bool convert_list(const YAML::Node& node, std::vector<T>* out, Convert convert) {
  if (!node.IsSequence()) return false;
  out->clear();
  for (const auto& item : node) {
    T element;
    if (!convert(item, &element)) return false;
    out->push_back(element);
  }
  return true;
}

// Converts a YAML node to a Value of the same alternative as `like`.
Value convert(const YAML::Node& node, const Value& like, const std::string& key,
              const std::string& origin) {
  bool ok = false;
  Value result = like;
  std::visit(
      [&](auto& slot) {
        using T = std::decay_t<decltype(slot)>;
        if constexpr (std::is_same_v<T, double>) {
          ok = convert_double(node, &slot);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          ok = convert_list<double>(node, &slot, convert_double);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          ok = convert_list<int64_t>(node, &slot, convert_scalar<int64_t>);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          ok = convert_list<std::string>(node, &slot, convert_scalar<std::string>);
        } else {
          ok = convert_scalar(node, &slot);
        }
      },
      result);
  if (!ok) throw_type_error(key, like, describe(node), origin);
  check_text(key, result, origin);
  return result;
}

// Walks a YAML mapping, applying each leaf at its dotted key.
void apply_tree(const Schema& schema, const YAML::Node& node, const std::string& prefix,
                const std::string& origin, std::map<std::string, Value>* values) {
  if (!node.IsMap()) {
    if (prefix.empty() && node.IsNull()) return;  // an empty file
    if (prefix.empty()) throw usage_error("config {}: expected a mapping of keys", origin);
    throw usage_error("config {}: expected a mapping of keys under '{}'", origin, prefix);
  }
  for (const auto& item : node) {
    std::string name = item.first.Scalar();
    std::string key = prefix.empty() ? name : prefix + "." + name;
    const Option* option = schema.find(key);
    if (option != nullptr) {
      (*values)[key] = convert(item.second, option->default_value, key, origin);
      continue;
    }
    bool is_section = false;
    for (const auto& [declared, unused] : schema.options()) {
      if (declared.compare(0, key.size() + 1, key + ".") == 0) {
        is_section = true;
        break;
      }
    }
    if (!is_section) throw usage_error(unknown_key_message(schema, key, origin));
    apply_tree(schema, item.second, key, origin, values);
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw usage_error("config {}: malformed YAML at line {}, column {}: {}", origin,
                      e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

void apply_overrides(const Schema& schema, const std::vector<std::string>& overrides,
                     std::map<std::string, Value>* values) {
  for (const auto& assignment : overrides) {
    auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw usage_error("override '{}' is not of the form key.path=value", assignment);
    }
    std::string key = assignment.substr(0, equals);
    std::string text = assignment.substr(equals + 1);
    const Option* option = schema.find(key);
    if (option == nullptr) throw usage_error(unknown_key_message(schema, key, "command line"));
    if (std::holds_alternative<std::string>(option->default_value)) {
      check_text(key, text, "command line");
      (*values)[key] = text;  // strings are taken verbatim: no YAML interpretation surprises
      continue;
    }
    YAML::Node node = parse_yaml(text, "command line override '" + assignment + "'");
    (*values)[key] = convert(node, option->default_value, key, "command line");
  }
}

template <typename T>
const T& get_as(const Config& config, const std::string& key, const char* wanted) {
  const Value& value = config.value(key);
  if (!std::holds_alternative<T>(value)) {
    throw error("config key '{}' holds {}, read as {}", key, type_name(value), wanted);
  }
  return std::get<T>(value);
}

}  // namespace

std::string type_name(const Value& value) {
  static const char* const kNames[] = {"bool",     "int",        "float",      "string",
                                       "int list", "float list", "string list"};
  return kNames[value.index()];
}

Schema& Schema::add(const std::string& key, Value default_value, const std::string& help) {
  fail_if(!valid_key(key), "invalid config key '{}' declared (use a.b_c)", key);
  fail_if(options_.count(key) != 0, "config key '{}' declared twice", key);
  options_[key] = Option{key, std::move(default_value), help};
  return *this;
}

Schema& Schema::merge(const Schema& other) {
  for (const auto& [key, option] : other.options_) {
    if (options_.count(key) == 0) options_[key] = option;
  }
  return *this;
}

const Option* Schema::find(const std::string& key) const {
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &it->second;
}

std::string Schema::nearest_key(const std::string& key) const {
  std::string best;
  size_t best_distance = SIZE_MAX;
  // The leaf name alone often carries the typo (`train.globl_batch`); but a right leaf in the
  // wrong section (`optim.global_batch`) should still find `train.global_batch`.
  auto leaf = [](const std::string& k) { return k.substr(k.rfind('.') + 1); };
  for (const auto& [declared, unused] : options_) {
    size_t distance =
        std::min(edit_distance(key, declared), edit_distance(leaf(key), leaf(declared)) + 1);
    if (distance < best_distance) {
      best_distance = distance;
      best = declared;
    }
  }
  return best;
}

std::string Schema::help() const {
  std::ostringstream out;
  std::string section;
  for (const auto& [key, option] : options_) {
    std::string this_section = key.substr(0, key.find('.'));
    if (this_section != section) {
      section = this_section;
      out << "\n" << section << ":\n";
    }
    Config defaults({{key, option.default_value}});
    std::string rendered = defaults.to_yaml();
    // to_yaml gives "section:\n  key: value\n"; keep the value part only.
    auto colon = rendered.rfind(": ");
    std::string value = colon == std::string::npos ? "" : rendered.substr(colon + 2);
    if (!value.empty() && value.back() == '\n') value.pop_back();
    char line[256];
    std::snprintf(line, sizeof(line), "  %-32s %-11s %-14s ", key.c_str(),
                  type_name(option.default_value).c_str(), value.c_str());
    out << line << option.help << "\n";
  }
  return out.str();
}

const Value& Config::value(const std::string& key) const {
  auto it = values_.find(key);
  fail_if(it == values_.end(), "config key '{}' was not declared", key);
  return it->second;
}

int64_t Config::get_int(const std::string& key) const { return get_as<int64_t>(*this, key, "int"); }

double Config::get_float(const std::string& key) const {
  const Value& value = this->value(key);
  if (std::holds_alternative<int64_t>(value)) return static_cast<double>(std::get<int64_t>(value));
  return get_as<double>(*this, key, "float");
}

bool Config::get_bool(const std::string& key) const { return get_as<bool>(*this, key, "bool"); }

const std::string& Config::get_string(const std::string& key) const {
  return get_as<std::string>(*this, key, "string");
}

std::vector<int64_t> Config::get_int_list(const std::string& key) const {
  return get_as<std::vector<int64_t>>(*this, key, "int list");
}

std::vector<double> Config::get_float_list(const std::string& key) const {
  return get_as<std::vector<double>>(*this, key, "float list");
}

std::vector<std::string> Config::get_string_list(const std::string& key) const {
  return get_as<std::vector<std::string>>(*this, key, "string list");
}

Config Config::with(const std::string& key, Value value) const {
  const Value& current = this->value(key);
  if (current.index() != value.index()) {
    throw error("config key '{}' holds {}, cannot set {}", key, type_name(current),
                type_name(value));
  }
  std::map<std::string, Value> values = values_;
  values[key] = std::move(value);
  return Config(std::move(values));
}

std::string Config::to_yaml() const { return render_yaml(values_); }

void Config::save(const std::string& path) const {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << to_yaml();
    out.flush();
    fail_if(!out, "cannot write config to '{}'", temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw error("cannot rename '{}' to '{}'", temporary, path);
  }
}

Config resolve_text(const Schema& schema, const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  std::map<std::string, Value> values;
  for (const auto& [key, option] : schema.options()) values[key] = option.default_value;
  apply_tree(schema, parse_yaml(yaml_text, origin), "", origin, &values);
  apply_overrides(schema, overrides, &values);
  return Config(std::move(values));
}

Config resolve(const Schema& schema, const std::string& yaml_path,
               const std::vector<std::string>& overrides) {
  std::string text;
  if (!yaml_path.empty()) {
    try {
      text = io::read_file(yaml_path);
    } catch (const Error& e) {
      throw usage_error("config: {}", e.what());
    }
  }
  return resolve_text(schema, text, yaml_path.empty() ? "defaults" : "file '" + yaml_path + "'",
                      overrides);
}

}  // namespace ptk::config
