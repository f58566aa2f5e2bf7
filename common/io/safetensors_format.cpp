#include "common/io/safetensors_format.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/error.h"
#include "common/base/json_text.h"
#include "common/base/utf8_text.h"

namespace ptk::io {
namespace {

// The JSON subset a safetensors header uses: objects, arrays, strings, integers. Anything else
// (floats, true/false/null) is rejected rather than guessed at.
struct Json {
  enum class Kind { kObject, kArray, kString, kInteger };
  Kind kind = Kind::kObject;
  std::string text;                                   // kString
  bool negative = false;                              // kInteger: sign
  uint64_t magnitude = 0;                             // kInteger: absolute value
  std::vector<std::pair<std::string, Json>> members;  // kObject, in file order
  std::vector<Json> items;                            // kArray
};

const char* kind_name(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::kObject:
      return "an object";
    case Json::Kind::kArray:
      return "an array";
    case Json::Kind::kString:
      return "a string";
    case Json::Kind::kInteger:
      return "an integer";
  }
  return "a value";
}

// Builds the Json tree from nlohmann/json's SAX events (its lexer checks the JSON grammar,
// escapes, surrogate pairs and UTF-8), rejecting what a safetensors header never holds:
// duplicate keys (which a DOM parse would silently collapse), true/false/null, non-integers,
// and nesting deeper than a valid header's.
class HeaderBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  static constexpr std::size_t kMaxDepth = 16;  // a valid header nests 3 deep

  explicit HeaderBuilder(const std::string& origin) : origin_(origin) {}

  Json take_root() { return std::move(root_); }

  bool null() override { fail("true/false/null are not used by safetensors"); }
  bool boolean(bool) override { fail("true/false/null are not used by safetensors"); }
  bool number_integer(number_integer_t value) override {
    Json v;
    v.kind = Json::Kind::kInteger;
    v.negative = value < 0;
    v.magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    return add(std::move(v));
  }
  bool number_unsigned(number_unsigned_t value) override {
    Json v;
    v.kind = Json::Kind::kInteger;
    v.magnitude = value;
    return add(std::move(v));
  }
  bool number_float(number_float_t, const string_t& text) override {
    // nlohmann reads an integer beyond 64 bits as a float; its text tells the two apart.
    if (text.find_first_of(".eE") == string_t::npos) fail("integer out of range");
    fail("non-integer number (safetensors uses integers only)");
  }
  bool string(string_t& text) override {
    Json v;
    v.kind = Json::Kind::kString;
    v.text = std::move(text);
    return add(std::move(v));
  }
  bool binary(binary_t&) override { fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(Json::Kind::kObject); }
  bool key(string_t& name) override {
    if (!keys_.back().insert(name).second) fail("duplicate key \"" + name + "\"");
    key_ = std::move(name);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Json::Kind::kArray); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::string what = e.what();
    const std::size_t colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw error("{}: invalid safetensors header: {} (at JSON byte {})", origin_, what, position);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw error("{}: invalid safetensors header: {}", origin_, what);
  }
  // Places `value` in the open container (under the pending key in an object), or as the root.
  Json* place(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.kind == Json::Kind::kObject) {
      parent.members.emplace_back(std::move(key_), std::move(value));
      return &parent.members.back().second;
    }
    parent.items.push_back(std::move(value));
    return &parent.items.back();
  }
  bool add(Json value) {
    place(std::move(value));
    return true;
  }
  bool open(Json::Kind kind) {
    if (open_.size() >= kMaxDepth) fail(fmt::format("JSON nested deeper than {}", kMaxDepth));
    Json v;
    v.kind = kind;
    // Members and items are only appended to the innermost open container, so the pointers
    // to the enclosing ones stay valid.
    open_.push_back(place(std::move(v)));
    keys_.emplace_back();
    return true;
  }
  bool close() {
    open_.pop_back();
    keys_.pop_back();
    return true;
  }

  const std::string& origin_;
  Json root_;
  std::vector<Json*> open_;
  std::vector<std::set<std::string>> keys_;  // per open container: its keys so far (objects)
  std::string key_;
};

Json parse_header_json(const char* text, std::size_t size, const std::string& origin) {
  HeaderBuilder builder(origin);
  nlohmann::json::sax_parse(text, text + size, &builder);
  return builder.take_root();
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::pair<const char*, std::size_t> kSizes[] = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  for (const auto& [name, size] : kSizes) {
    if (dtype == name) return size;
  }
  return 0;
}

SafetensorsHeader parse_safetensors(const uint8_t* data, std::size_t size,
                                    const std::string& origin) {
  const std::string where = origin + ": invalid safetensors file: ";
  if (size < 8) {
    throw error("{}the file is {} bytes, shorter than the 8-byte header length field", where, size);
  }
  const uint64_t header_len = read_le64(data);
  if (header_len > kMaxSafetensorsHeaderBytes) {
    throw error("{}header length {} exceeds the limit of {} bytes", where, header_len,
                kMaxSafetensorsHeaderBytes);
  }
  if (header_len > size - 8) {
    throw error("{}header length {} runs past the end of the file ({} bytes): truncated file?",
                where, header_len, size);
  }

  Json root = parse_header_json(reinterpret_cast<const char*>(data + 8), header_len, origin);
  if (root.kind != Json::Kind::kObject) {
    throw error("{}the JSON header is {}, not an object", where, kind_name(root.kind));
  }

  SafetensorsHeader header;
  header.data_offset = 8 + header_len;
  const uint64_t data_size = size - header.data_offset;

  for (auto& [name, value] : root.members) {
    if (name == "__metadata__") {
      if (value.kind != Json::Kind::kObject) {
        throw error("{}\"__metadata__\" is {}, not an object", where, kind_name(value.kind));
      }
      for (auto& [key, item] : value.members) {
        if (item.kind != Json::Kind::kString) {
          throw error("{}metadata \"{}\" is {}, not a string", where, key, kind_name(item.kind));
        }
        header.metadata[key] = item.text;
      }
      continue;
    }
    const std::string tensor = where + "tensor \"" + name + "\": ";
    fail_if(name.empty(), "{}a tensor has an empty name", where);
    if (value.kind != Json::Kind::kObject) {
      throw error("{}entry is {}, not an object", tensor, kind_name(value.kind));
    }
    const Json* dtype = nullptr;
    const Json* shape = nullptr;
    const Json* offsets = nullptr;
    for (const auto& [key, field] : value.members) {
      if (key == "dtype") {
        dtype = &field;
      } else if (key == "shape") {
        shape = &field;
      } else if (key == "data_offsets") {
        offsets = &field;
      } else {
        throw error("{}unknown field \"{}\"", tensor, key);
      }
    }
    fail_if(!dtype, "{}missing \"dtype\"", tensor);
    fail_if(!shape, "{}missing \"shape\"", tensor);
    fail_if(!offsets, "{}missing \"data_offsets\"", tensor);

    SafetensorsEntry entry;
    entry.name = name;
    fail_if(dtype->kind != Json::Kind::kString, "{}\"dtype\" is not a string", tensor);
    entry.dtype = dtype->text;
    const std::size_t item_size = safetensors_dtype_size(entry.dtype);
    if (item_size == 0) {
      throw error("{}unsupported dtype \"{}\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)",
                  tensor, entry.dtype);
    }

    fail_if(shape->kind != Json::Kind::kArray, "{}\"shape\" is not an array", tensor);
    uint64_t nbytes = item_size;
    bool overflow = false;
    for (const Json& dim : shape->items) {
      if (dim.kind != Json::Kind::kInteger) {
        throw error("{}\"shape\" holds {}, not an integer", tensor, kind_name(dim.kind));
      }
      if (dim.negative && dim.magnitude != 0) {
        throw error("{}negative dimension -{} in shape", tensor, dim.magnitude);
      }
      if (dim.magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw error("{}dimension {} is too large", tensor, dim.magnitude);
      }
      entry.shape.push_back(static_cast<int64_t>(dim.magnitude));
      if (dim.magnitude != 0 && nbytes > std::numeric_limits<uint64_t>::max() / dim.magnitude) {
        overflow = true;
      }
      nbytes = overflow ? 0 : nbytes * dim.magnitude;
    }
    // A zero dimension makes the tensor empty whatever the other dimensions say.
    if (std::find(entry.shape.begin(), entry.shape.end(), 0) != entry.shape.end()) {
      overflow = false;
      nbytes = 0;
    }
    if (overflow) {
      throw error("{}shape {} with dtype {} overflows 64-bit byte counts", tensor,
                  shape_string(entry.shape), entry.dtype);
    }

    if (offsets->kind != Json::Kind::kArray || offsets->items.size() != 2) {
      throw error("{}\"data_offsets\" must be an array of two integers [begin, end]", tensor);
    }
    for (const Json& off : offsets->items) {
      if (off.kind != Json::Kind::kInteger || (off.negative && off.magnitude != 0)) {
        throw error("{}\"data_offsets\" must hold non-negative integers", tensor);
      }
    }
    entry.begin = offsets->items[0].magnitude;
    entry.end = offsets->items[1].magnitude;
    if (entry.end < entry.begin) {
      throw error("{}data_offsets [{}, {}] end before they begin", tensor, entry.begin, entry.end);
    }
    if (entry.end - entry.begin != nbytes) {
      throw error("{}shape {} with dtype {} needs {} bytes but data_offsets [{}, {}] span {}",
                  tensor, shape_string(entry.shape), entry.dtype, nbytes, entry.begin, entry.end,
                  entry.end - entry.begin);
    }
    if (entry.end > data_size) {
      throw error("{}data_offsets [{}, {}] run past the data section ({} bytes): truncated file?",
                  tensor, entry.begin, entry.end, data_size);
    }
    header.entries.push_back(std::move(entry));
  }

  // The data section must be tiled exactly: sorted by offset, each tensor starts where the
  // previous one ended, and the last one ends at the end of the file.
  std::vector<const SafetensorsEntry*> by_offset;
  by_offset.reserve(header.entries.size());
  for (const auto& e : header.entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
                     return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
                   });
  uint64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry* e : by_offset) {
    if (e->begin > covered) {
      throw error("{}tensor \"{}\": gap in the data section: bytes [{}, {}) belong to no tensor",
                  where, e->name, covered, e->begin);
    }
    if (e->begin < covered) {
      throw error("{}tensor \"{}\": data_offsets [{}, {}] overlap tensor \"{}\"", where, e->name,
                  e->begin, e->end, previous ? previous->name : std::string());
    }
    covered = e->end;
    if (e->end > e->begin) previous = e;
  }
  if (covered != data_size) {
    const std::string last = previous ? " after the last tensor \"" + previous->name + "\"" : "";
    throw error(
        "{}the tensors cover {} bytes of data but the file holds {} bytes after the header ({} "
        "trailing bytes{})",
        where, covered, data_size, data_size - covered, last);
  }
  return header;
}

std::string encode_safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                      const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> meta = metadata;
  const auto format = meta.find("format");
  if (format != meta.end() && format->second != "pt") {
    throw error("safetensors metadata \"format\" must be \"pt\", got \"{}\"", format->second);
  }
  meta["format"] = "pt";

  std::string json = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [key, value] : meta) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      throw error("safetensors metadata \"{}\" is not valid UTF-8", key);
    }
    if (!first) json += ',';
    first = false;
    json += json_quote(key);
    json += ':';
    json += json_quote(value);
  }
  json += '}';
  std::set<std::string> names;
  for (const auto& e : entries) {
    if (e.name.empty() || e.name == "__metadata__") {
      throw error("cannot write a safetensors tensor named \"{}\"", e.name);
    }
    if (!is_valid_utf8(e.name)) {
      throw error("safetensors tensor name \"{}\" is not valid UTF-8", e.name);
    }
    if (!names.insert(e.name).second) {
      throw error("duplicate safetensors tensor name \"{}\"", e.name);
    }
    if (safetensors_dtype_size(e.dtype) == 0) {
      throw error("tensor \"{}\": unsupported safetensors dtype \"{}\"", e.name, e.dtype);
    }
    json += ',';
    json += json_quote(e.name);
    json += ":{\"dtype\":";
    json += json_quote(e.dtype);
    json += ",\"shape\":[";
    for (std::size_t i = 0; i < e.shape.size(); ++i) {
      if (i) json += ',';
      json += std::to_string(e.shape[i]);
    }
    json += fmt::format("],\"data_offsets\":[{},{}]}}", e.begin, e.end);
  }
  json += '}';
  // Pad so the data section starts 8-byte aligned: readers may map tensors in place.
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out(8, '\0');
  uint64_t len = json.size();
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(len & 0xFF);
    len >>= 8;
  }
  return out + json;
}

}  // namespace ptk::io
