// libFuzzer target for the config layer: YAML text plus `key=value` overrides resolved against
// a small schema with one key of every type. Bad input must be a ptk::Error; a resolved config
// must render to YAML (what checkpoints store) that resolves back to the same values.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/error.h"
#include "common/config/config.h"
#include "tests/fuzz/fuzz_support.h"

using ptk::fuzz::expect;

namespace {

const ptk::config::Schema& fuzz_schema() {
  static const ptk::config::Schema schema = [] {
    ptk::config::Schema s;
    s.add("train.steps", 100, "an int");
    s.add("train.lr", ptk::config::Value(0.1), "a float");
    s.add("train.amp", ptk::config::Value(false), "a bool");
    s.add("data.shards", "shards/", "a string");
    s.add("data.sizes", ptk::config::Value(std::vector<int64_t>{1, 2}), "an int list");
    s.add("data.mean", ptk::config::Value(std::vector<double>{0.5}), "a float list");
    s.add("data.files", ptk::config::Value(std::vector<std::string>{"a"}), "a string list");
    s.add("model.head.dim", 8, "an int two sections deep");
    return s;
  }();
  return schema;
}

// NaN never equals itself; the config layer renders it as .nan and reads it back as NaN.
bool same_double(double a, double b) { return a == b || (a != a && b != b); }

bool same_value(const ptk::config::Value& a, const ptk::config::Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) return same_double(*x, std::get<double>(b));
  if (const auto* x = std::get_if<std::vector<double>>(&a)) {
    const auto& y = std::get<std::vector<double>>(b);
    if (x->size() != y.size()) return false;
    for (size_t i = 0; i < x->size(); ++i) {
      if (!same_double((*x)[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

// Input: YAML text, then optionally a line "---overrides---" followed by one override per line.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSeparator = "\n---overrides---\n";
  const size_t split = input.find(kSeparator);
  const std::string yaml(input.substr(0, split));
  std::vector<std::string> overrides;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + kSeparator.size());
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }

  ptk::config::Config config;
  try {
    config = ptk::config::resolve_text(fuzz_schema(), yaml, "fuzz input", overrides);
  } catch (const ptk::Error&) {
    return 0;
  }
  expect(config.values().size() == fuzz_schema().options().size(),
         "a resolved config lost or gained keys");
  std::string rendered;
  try {
    rendered = config.to_yaml();
  } catch (const ptk::Error&) {
    return 0;
  }
  ptk::config::Config again;
  try {
    again = ptk::config::resolve_text(fuzz_schema(), rendered, "rendered fuzz config");
  } catch (const ptk::Error& e) {
    std::fprintf(stderr, "rendered config:\n%s\nerror: %s\n", rendered.c_str(), e.what());
    expect(false, "a resolved config renders to YAML that does not resolve");
  }
  for (const auto& [key, value] : config.values()) {
    if (!same_value(value, again.value(key))) {
      std::fprintf(stderr, "key %s, rendered config:\n%s\n", key.c_str(), rendered.c_str());
      expect(false, "a resolved config does not survive rendering to YAML and back");
    }
  }
  return 0;
}
