// Typed configuration: every option is declared once in a Schema (key, default, help); a
// Config is the schema's defaults overlaid with a YAML file and `key.path=value` overrides.
// Unknown keys and wrong types are usage errors naming the key and the nearest valid one.
// A resolved Config is immutable and cheap to copy; it is safe to read from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace ptk::config {

using Value = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>,
                           std::vector<double>, std::vector<std::string>>;

// Name of the type a Value holds, as shown in errors and --help: "bool", "int", "float",
// "string", "int list", "float list", "string list".
std::string type_name(const Value& value);

struct Option {
  std::string key;  // "section.key", snake_case
  Value default_value;
  std::string help;
};

class Schema {
 public:
  // Declares an option. Keys are unique; the default fixes the type.
  Schema& add(const std::string& key, Value default_value, const std::string& help);
  Schema& add(const std::string& key, const char* default_value, const std::string& help) {
    return add(key, Value(std::string(default_value)), help);
  }
  Schema& add(const std::string& key, int default_value, const std::string& help) {
    return add(key, Value(static_cast<int64_t>(default_value)), help);
  }
  // Adds every option of another schema (recipes compose the shared sections).
  Schema& merge(const Schema& other);

  const Option* find(const std::string& key) const;
  const std::map<std::string, Option>& options() const { return options_; }
  // The declared key closest to `key` by edit distance ("" when the schema is empty).
  std::string nearest_key(const std::string& key) const;
  // Help text: one line per option with type, default and help, grouped by section.
  std::string help() const;

 private:
  std::map<std::string, Option> options_;
};

class Config {
 public:
  Config() = default;
  explicit Config(std::map<std::string, Value> values) : values_(std::move(values)) {}

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const Value& value(const std::string& key) const;

  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // an int value is widened
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<double> get_float_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;

  // A copy with one value replaced (the type must match the existing one).
  Config with(const std::string& key, Value value) const;

  // Nested YAML ("train:\n  global_batch: 256\n"), keys sorted; parses back to the same Config.
  std::string to_yaml() const;
  // Writes to_yaml() to `path` atomically (temporary file + rename).
  void save(const std::string& path) const;

  const std::map<std::string, Value>& values() const { return values_; }

 private:
  std::map<std::string, Value> values_;
};

// Resolves defaults <- YAML file (when `yaml_path` is not empty) <- overrides ("a.b=value", in
// order). Override values are parsed as YAML scalars or flow lists ("[1, 2]").
Config resolve(const Schema& schema, const std::string& yaml_path,
               const std::vector<std::string>& overrides);
// Same, from YAML text (e.g. the config saved in a checkpoint). `origin` names it in errors.
Config resolve_text(const Schema& schema, const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

}  // namespace ptk::config
