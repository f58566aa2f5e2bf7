// A config section declared once: each key is bound to the field of an options struct that it
// fills, with its help and its checks, and the field's default member initializer is the key's
// default. The Schema (--help, --dump-config, unknown-key suggestions) and the validated
// read-back are both generated from that one table. Header-only and LibTorch-free; a built table
// is immutable and safe to use from any thread.
//
//   config::OptionTable<TrainOptions> table;
//   table.add("train.global_batch", &TrainOptions::global_batch, "samples per step", at_least(1))
//       .add("train.device", &TrainOptions::device, "auto | cpu | cuda",
//            one_of({"auto", "cpu", "cuda"}))
//       .add("dist.rank", nested(&TrainOptions::launch, &dist::LaunchFlags::rank), "rank");
//   config::Schema schema = table.schema();
//   TrainOptions options = table.read(config);  // then derive what depends on several keys
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/base/number_text.h"
#include "common/config/config.h"

namespace ptk::config {

// How a field of a type that is no config type (an enum, a fixed-size array) is stored in the
// config: as `Stored`, one of Value's types. `encode` gives the default shown by --help;
// `decode` reads a value back and throws ptk::usage_error naming `key` when it is not valid.
template <typename T, typename Stored>
struct Codec {
  std::function<Stored(const T&)> encode;
  std::function<T(const std::string& key, const Stored& value)> decode;
};

namespace detail {

// A value as errors show it: 3, 0.5, true, 'text'.
template <typename T>
std::string text_of(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return format_double(value);
  } else if constexpr (std::is_convertible_v<T, std::string>) {
    return "'" + std::string(value) + "'";
  } else {
    return fmt::format("({} values)", value.size());
  }
}

inline std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : " | ") + name;
  return list;
}

template <typename T>
struct Tag {
  using type = T;
};

// The Value alternative a field of type T is stored as; void when T needs a Codec.
template <typename T>
constexpr auto stored_tag() {
  if constexpr (std::is_same_v<T, bool>) {
    return Tag<bool>{};
  } else if constexpr (std::is_integral_v<T>) {
    return Tag<int64_t>{};
  } else if constexpr (std::is_floating_point_v<T>) {
    return Tag<double>{};
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<int64_t>> ||
                       std::is_same_v<T, std::vector<double>> ||
                       std::is_same_v<T, std::vector<std::string>>) {
    return Tag<T>{};
  } else {
    return Tag<void>{};
  }
}
template <typename T>
using stored_as_t = typename decltype(stored_tag<T>())::type;

template <typename Stored>
Stored get(const Config& config, const std::string& key) {
  if constexpr (std::is_same_v<Stored, bool>) {
    return config.get_bool(key);
  } else if constexpr (std::is_same_v<Stored, int64_t>) {
    return config.get_int(key);
  } else if constexpr (std::is_same_v<Stored, double>) {
    return config.get_float(key);
  } else if constexpr (std::is_same_v<Stored, std::string>) {
    return config.get_string(key);
  } else if constexpr (std::is_same_v<Stored, std::vector<int64_t>>) {
    return config.get_int_list(key);
  } else if constexpr (std::is_same_v<Stored, std::vector<double>>) {
    return config.get_float_list(key);
  } else {
    return config.get_string_list(key);
  }
}

// An int64 config value into a narrower integer field; out of its range is a usage_error.
template <typename T>
T narrow(const std::string& key, int64_t value) {
  if constexpr (!std::is_same_v<T, int64_t>) {
    const bool below = std::is_signed_v<T>
                           ? value < static_cast<int64_t>(std::numeric_limits<T>::min())
                           : value < 0;
    if (below) {
      throw usage_error("{} must be >= {}, got {}", key, text_of(std::numeric_limits<T>::min()),
                        text_of(value));
    }
    if (value > 0 &&
        static_cast<uint64_t>(value) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      throw usage_error("{} must be <= {}, got {}", key, text_of(std::numeric_limits<T>::max()),
                        text_of(value));
    }
  }
  return static_cast<T>(value);
}

template <typename... Rest>
struct FirstIsCodec : std::false_type {};
template <typename T, typename Stored, typename... Rest>
struct FirstIsCodec<Codec<T, Stored>, Rest...> : std::true_type {};

}  // namespace detail

// ---- Checks: each is called as check(key, value) and throws ptk::usage_error naming the key.
// Numeric checks see the value as the config holds it (int64 or double), before it is narrowed
// into the field; a NaN fails every one of them.

// "KEY must be >= MIN[ (NOTE)], got V"
template <typename Bound>
auto at_least(Bound minimum, std::string note = "") {
  return [minimum, note](const std::string& key, const auto& value) {
    if (!(value >= minimum)) {
      if (note.empty()) {
        throw usage_error("{} must be >= {}, got {}", key, detail::text_of(minimum),
                          detail::text_of(value));
      }
      throw usage_error("{} must be >= {} ({}), got {}", key, detail::text_of(minimum), note,
                        detail::text_of(value));
    }
  };
}

// "KEY must be <= MAX, got V"
template <typename Bound>
auto at_most(Bound maximum) {
  return [maximum](const std::string& key, const auto& value) {
    if (!(value <= maximum)) {
      throw usage_error("{} must be <= {}, got {}", key, detail::text_of(maximum),
                        detail::text_of(value));
    }
  };
}

// "KEY must be > BOUND, got V"
template <typename Bound>
auto above(Bound bound) {
  return [bound](const std::string& key, const auto& value) {
    if (!(value > bound)) {
      throw usage_error("{} must be > {}, got {}", key, detail::text_of(bound),
                        detail::text_of(value));
    }
  };
}

// "KEY must be in [LOW, HIGH], got V"; `bounds` is "[]", "[)", "(]" or "()" (closed or open
// at each end).
template <typename Bound>
auto in_range(Bound low, Bound high, const char* bounds = "[]") {
  const bool closed_low = bounds[0] == '[', closed_high = bounds[1] == ']';
  return [=](const std::string& key, const auto& value) {
    const bool ok =
        (closed_low ? value >= low : value > low) && (closed_high ? value <= high : value < high);
    if (!ok) {
      throw usage_error("{} must be in {}{}, {}{}, got {}", key, closed_low ? "[" : "(",
                        detail::text_of(low), detail::text_of(high), closed_high ? "]" : ")",
                        detail::text_of(value));
    }
  };
}

// "KEY must be finite, got inf" (also for NaN).
inline auto finite() {
  return [](const std::string& key, double value) {
    if (!std::isfinite(value)) {
      throw usage_error("{} must be finite, got {}", key, detail::text_of(value));
    }
  };
}

// A string field limited to some names: "KEY must be one of a | b | c, got 'x'".
inline auto one_of(std::vector<std::string> allowed) {
  return [allowed](const std::string& key, const std::string& value) {
    for (const auto& name : allowed) {
      if (value == name) return;
    }
    throw usage_error("{} must be one of {}, got '{}'", key, detail::joined(allowed), value);
  };
}

// A string or list that must be given: "KEY SAYS" ("run.dir must not be empty",
// non_empty("is required (a shard set directory)")).
inline auto non_empty(std::string says = "must not be empty") {
  return [says](const std::string& key, const auto& value) {
    if (value.empty()) throw usage_error("{} {}", key, says);
  };
}

// Any other rule: "KEY SAYS" when `accepts(value)` is false, e.g.
// satisfies([](int64_t c) { return c == 1 || c == 3; }, "must be 1 or 3").
template <typename Predicate>
auto satisfies(Predicate accepts, std::string says) {
  return [accepts, says](const std::string& key, const auto& value) {
    if (!accepts(value)) throw usage_error("{} {}", key, says);
  };
}

// ---- Codecs for enum fields.

// An enum stored as one of its names, from the enum's table of names (common/base/enum_names.h;
// the table must outlive the codec, as a namespace-scope constexpr array does):
// "KEY: unknown WHAT 'x' (expected a, b or c)".
template <typename Enum, size_t N>
Codec<Enum, std::string> names(const EnumName<Enum> (&table)[N], const char* what) {
  return {[&table](const Enum& value) { return std::string(name_of(table, value)); },
          [&table, what](const std::string& key, const std::string& text) {
            if (std::optional<Enum> value = find_value(table, text)) return *value;
            throw usage_error("{}: unknown {} '{}' (expected {})", key, what, text,
                              list_names(table));
          }};
}

// An enum with parse / print functions of its own. A parse error that does not name the key is
// prefixed with it ("data.resampling: unknown resampling 'x' ...").
template <typename T>
Codec<T, std::string> parsed(T (*parse)(const std::string&), const char* (*print)(T)) {
  return {[print](const T& value) { return std::string(print(value)); },
          [parse](const std::string& key, const std::string& text) {
            try {
              return parse(text);
            } catch (const Error& e) {
              const std::string message = e.what();
              if (message.find(key) != std::string::npos) throw;
              throw Error(key + ": " + message, e.kind());
            }
          }};
}

// An accessor for a field of a member: nested(&TrainOptions::launch, &LaunchFlags::rank).
template <typename Outer, typename Inner, typename T>
auto nested(Inner Outer::*outer, T Inner::*inner) {
  return [outer, inner](Outer& options) -> T& { return (options.*outer).*inner; };
}

template <typename Options>
class OptionTable {
 public:
  // Binds `key` to a field of Options: a member pointer (also of a base class of Options) or an
  // accessor returning a reference to it (a lambda, or nested(...)). The field's type is bool,
  // an integer (read as int64 and checked to fit), double, std::string, or a vector of int64,
  // double or string; any other type takes a Codec right after `help`. Then any checks, run in
  // order on the value read. The key's default is the field of a default-constructed Options.
  template <typename Field, typename... Rest>
  OptionTable& add(const std::string& key, Field field, const std::string& help, Rest... rest) {
    if constexpr (detail::FirstIsCodec<Rest...>::value) {
      return add_coded(key, field, help, rest...);
    } else {
      return add_native(key, field, help, rest...);
    }
  }

  // Every key with its default and help.
  Schema schema() const {
    Options defaults{};
    Schema schema;
    for (const Entry& entry : entries_) {
      schema.add(entry.key, entry.default_value(defaults), entry.help);
    }
    return schema;
  }

  // A default-constructed Options with every key read from `config` (resolved against a schema
  // that holds this table's keys) and checked, in the order the keys were added: the first bad
  // value is a ptk::usage_error naming its key.
  Options read(const Config& config) const {
    Options options{};
    for (const Entry& entry : entries_) entry.read(config, options);
    return options;
  }

 private:
  struct Entry {
    std::string key;
    std::string help;
    std::function<Value(Options&)> default_value;
    std::function<void(const Config&, Options&)> read;
  };

  template <typename Field>
  using field_t = std::remove_reference_t<std::invoke_result_t<Field, Options&>>;

  template <typename Field, typename... Checks>
  OptionTable& add_native(const std::string& key, Field field, const std::string& help,
                          Checks... checks) {
    using T = field_t<Field>;
    using Stored = detail::stored_as_t<T>;
    static_assert(!std::is_void_v<Stored>,
                  "a field of this type needs a config::Codec (config::names, config::parsed)");
    entries_.push_back(
        {key, help,
         [field](Options& o) { return Value(static_cast<Stored>(std::invoke(field, o))); },
         [key, field, checks...](const Config& config, Options& o) {
           const Stored value = detail::get<Stored>(config, key);
           (checks(key, value), ...);
           if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
             std::invoke(field, o) = detail::narrow<T>(key, value);
           } else {
             std::invoke(field, o) = static_cast<T>(value);
           }
         }});
    return *this;
  }

  template <typename Field, typename Stored, typename... Checks>
  OptionTable& add_coded(const std::string& key, Field field, const std::string& help,
                         Codec<field_t<Field>, Stored> codec, Checks... checks) {
    entries_.push_back(
        {key, help,
         [field, codec](Options& o) { return Value(codec.encode(std::invoke(field, o))); },
         [key, field, codec, checks...](const Config& config, Options& o) {
           auto value = codec.decode(key, detail::get<Stored>(config, key));
           (checks(key, value), ...);
           std::invoke(field, o) = std::move(value);
         }});
    return *this;
  }

  std::vector<Entry> entries_;
};

}  // namespace ptk::config
