#include "common/io/safetensors_format.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include "common/base/error.h"
#include "common/base/json_text.h"

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

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(const unsigned char* s, std::size_t n, std::size_t i) {
  const unsigned char c = s[i];
  if (c < 0x80) return 1;
  std::size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i + k] & 0x3F);
  }
  static const uint32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(p, s.size(), i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonParser {
 public:
  static constexpr int kMaxDepth = 16;  // a valid header nests 3 deep

  JsonParser(const char* text, std::size_t size, const std::string& origin)
      : s_(reinterpret_cast<const unsigned char*>(text)), n_(size), origin_(origin) {}

  Json parse_document() {
    skip_whitespace();
    if (pos_ == n_) fail("the JSON header is empty");
    Json root = parse_value(0);
    skip_whitespace();
    if (pos_ != n_) fail("unexpected trailing characters after the JSON header");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(origin_ + ": invalid safetensors header: " + what + " (at JSON byte " +
                std::to_string(pos_) + ")");
  }

  void skip_whitespace() {
    while (pos_ < n_ &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  void expect(char c) {
    skip_whitespace();
    if (pos_ == n_) fail(std::string("expected '") + c + "' but the header ends");
    if (s_[pos_] != static_cast<unsigned char>(c)) {
      fail(std::string("expected '") + c + "'");
    }
    ++pos_;
  }

  Json parse_value(int depth) {
    if (depth > kMaxDepth) fail("JSON nested deeper than " + std::to_string(kMaxDepth));
    skip_whitespace();
    if (pos_ == n_) fail("expected a value but the header ends");
    const unsigned char c = s_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      Json v;
      v.kind = Json::Kind::kString;
      v.text = parse_string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_integer();
    if (c == 't' || c == 'f' || c == 'n') fail("true/false/null are not used by safetensors");
    fail("unexpected character in JSON");
  }

  Json parse_object(int depth) {
    Json v;
    v.kind = Json::Kind::kObject;
    ++pos_;  // '{'
    skip_whitespace();
    if (pos_ < n_ && s_[pos_] == '}') {
      ++pos_;
      return v;
    }
    std::set<std::string> keys;
    for (;;) {
      skip_whitespace();
      if (pos_ == n_) fail("unterminated object");
      if (s_[pos_] != '"') fail("expected a string key in object");
      std::string key = parse_string();
      if (!keys.insert(key).second) fail("duplicate key \"" + key + "\"");
      expect(':');
      Json value = parse_value(depth + 1);
      v.members.emplace_back(std::move(key), std::move(value));
      skip_whitespace();
      if (pos_ == n_) fail("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return v;
      }
      fail("expected ',' or '}' in object");
    }
  }

  Json parse_array(int depth) {
    Json v;
    v.kind = Json::Kind::kArray;
    ++pos_;  // '['
    skip_whitespace();
    if (pos_ < n_ && s_[pos_] == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      v.items.push_back(parse_value(depth + 1));
      skip_whitespace();
      if (pos_ == n_) fail("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return v;
      }
      fail("expected ',' or ']' in array");
    }
  }

  uint32_t parse_hex4() {
    if (n_ - pos_ < 4) fail("truncated \\u escape");
    uint32_t value = 0;
    for (int k = 0; k < 4; ++k) {
      const unsigned char c = s_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        fail("invalid hex digit in \\u escape");
      }
    }
    return value;
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ == n_) fail("unterminated string");
      const unsigned char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("unescaped control character in string");
      if (c == '\\') {
        ++pos_;
        if (pos_ == n_) fail("unterminated escape in string");
        const unsigned char e = s_[pos_++];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            uint32_t cp = parse_hex4();
            if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (n_ - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
                fail("unpaired high surrogate in \\u escape");
              }
              pos_ += 2;
              const uint32_t low = parse_hex4();
              if (low < 0xDC00 || low > 0xDFFF) fail("invalid surrogate pair in \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            append_utf8(out, cp);
            break;
          }
          default:
            --pos_;
            fail("invalid escape in string");
        }
        continue;
      }
      const std::size_t len = utf8_sequence_length(s_, n_, pos_);
      if (len == 0) fail("invalid UTF-8 in string");
      out.append(reinterpret_cast<const char*>(s_ + pos_), len);
      pos_ += len;
    }
  }

  Json parse_integer() {
    Json v;
    v.kind = Json::Kind::kInteger;
    if (s_[pos_] == '-') {
      v.negative = true;
      ++pos_;
    }
    if (pos_ == n_ || s_[pos_] < '0' || s_[pos_] > '9') fail("invalid number");
    if (s_[pos_] == '0' && pos_ + 1 < n_ && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9') {
      fail("leading zero in number");
    }
    while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const uint64_t digit = s_[pos_] - '0';
      if (v.magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        fail("integer out of range");
      }
      v.magnitude = v.magnitude * 10 + digit;
      ++pos_;
    }
    if (pos_ < n_ && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      fail("non-integer number (safetensors uses integers only)");
    }
    return v;
  }

  const unsigned char* s_;
  std::size_t n_;
  std::size_t pos_ = 0;
  const std::string& origin_;
};

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
    throw Error(where + "the file is " + std::to_string(size) +
                " bytes, shorter than the 8-byte header length field");
  }
  const uint64_t header_len = read_le64(data);
  if (header_len > kMaxSafetensorsHeaderBytes) {
    throw Error(where + "header length " + std::to_string(header_len) + " exceeds the limit of " +
                std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  }
  if (header_len > size - 8) {
    throw Error(where + "header length " + std::to_string(header_len) +
                " runs past the end of the file (" + std::to_string(size) +
                " bytes): truncated file?");
  }

  JsonParser parser(reinterpret_cast<const char*>(data + 8), header_len, origin);
  Json root = parser.parse_document();
  if (root.kind != Json::Kind::kObject) {
    throw Error(where + "the JSON header is " + kind_name(root.kind) + ", not an object");
  }

  SafetensorsHeader header;
  header.data_offset = 8 + header_len;
  const uint64_t data_size = size - header.data_offset;

  for (auto& [name, value] : root.members) {
    if (name == "__metadata__") {
      if (value.kind != Json::Kind::kObject) {
        throw Error(where + "\"__metadata__\" is " + kind_name(value.kind) + ", not an object");
      }
      for (auto& [key, item] : value.members) {
        if (item.kind != Json::Kind::kString) {
          throw Error(where + "metadata \"" + key + "\" is " + kind_name(item.kind) +
                      ", not a string");
        }
        header.metadata[key] = item.text;
      }
      continue;
    }
    const std::string tensor = where + "tensor \"" + name + "\": ";
    if (name.empty()) throw Error(where + "a tensor has an empty name");
    if (value.kind != Json::Kind::kObject) {
      throw Error(tensor + "entry is " + kind_name(value.kind) + ", not an object");
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
        throw Error(tensor + "unknown field \"" + key + "\"");
      }
    }
    if (!dtype) throw Error(tensor + "missing \"dtype\"");
    if (!shape) throw Error(tensor + "missing \"shape\"");
    if (!offsets) throw Error(tensor + "missing \"data_offsets\"");

    SafetensorsEntry entry;
    entry.name = name;
    if (dtype->kind != Json::Kind::kString) throw Error(tensor + "\"dtype\" is not a string");
    entry.dtype = dtype->text;
    const std::size_t item_size = safetensors_dtype_size(entry.dtype);
    if (item_size == 0) {
      throw Error(tensor + "unsupported dtype \"" + entry.dtype +
                  "\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    }

    if (shape->kind != Json::Kind::kArray) throw Error(tensor + "\"shape\" is not an array");
    uint64_t nbytes = item_size;
    bool overflow = false;
    for (const Json& dim : shape->items) {
      if (dim.kind != Json::Kind::kInteger) {
        throw Error(tensor + "\"shape\" holds " + kind_name(dim.kind) + ", not an integer");
      }
      if (dim.negative && dim.magnitude != 0) {
        throw Error(tensor + "negative dimension -" + std::to_string(dim.magnitude) + " in shape");
      }
      if (dim.magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw Error(tensor + "dimension " + std::to_string(dim.magnitude) + " is too large");
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
      throw Error(tensor + "shape " + shape_string(entry.shape) + " with dtype " + entry.dtype +
                  " overflows 64-bit byte counts");
    }

    if (offsets->kind != Json::Kind::kArray || offsets->items.size() != 2) {
      throw Error(tensor + "\"data_offsets\" must be an array of two integers [begin, end]");
    }
    for (const Json& off : offsets->items) {
      if (off.kind != Json::Kind::kInteger || (off.negative && off.magnitude != 0)) {
        throw Error(tensor + "\"data_offsets\" must hold non-negative integers");
      }
    }
    entry.begin = offsets->items[0].magnitude;
    entry.end = offsets->items[1].magnitude;
    if (entry.end < entry.begin) {
      throw Error(tensor + "data_offsets [" + std::to_string(entry.begin) + ", " +
                  std::to_string(entry.end) + "] end before they begin");
    }
    if (entry.end - entry.begin != nbytes) {
      throw Error(tensor + "shape " + shape_string(entry.shape) + " with dtype " + entry.dtype +
                  " needs " + std::to_string(nbytes) + " bytes but data_offsets [" +
                  std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "] span " +
                  std::to_string(entry.end - entry.begin));
    }
    if (entry.end > data_size) {
      throw Error(tensor + "data_offsets [" + std::to_string(entry.begin) + ", " +
                  std::to_string(entry.end) + "] run past the data section (" +
                  std::to_string(data_size) + " bytes): truncated file?");
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
      throw Error(where + "tensor \"" + e->name + "\": gap in the data section: bytes [" +
                  std::to_string(covered) + ", " + std::to_string(e->begin) +
                  ") belong to no tensor");
    }
    if (e->begin < covered) {
      throw Error(where + "tensor \"" + e->name + "\": data_offsets [" + std::to_string(e->begin) +
                  ", " + std::to_string(e->end) + "] overlap tensor \"" +
                  (previous ? previous->name : std::string()) + "\"");
    }
    covered = e->end;
    if (e->end > e->begin) previous = e;
  }
  if (covered != data_size) {
    const std::string last = previous ? " after the last tensor \"" + previous->name + "\"" : "";
    throw Error(where + "the tensors cover " + std::to_string(covered) +
                " bytes of data but the file holds " + std::to_string(data_size) +
                " bytes after the header (" + std::to_string(data_size - covered) +
                " trailing bytes" + last + ")");
  }
  return header;
}

std::string encode_safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                      const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> meta = metadata;
  const auto format = meta.find("format");
  if (format != meta.end() && format->second != "pt") {
    throw Error("safetensors metadata \"format\" must be \"pt\", got \"" + format->second + "\"");
  }
  meta["format"] = "pt";

  std::string json = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [key, value] : meta) {
    if (!valid_utf8(key) || !valid_utf8(value)) {
      throw Error("safetensors metadata \"" + key + "\" is not valid UTF-8");
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
      throw Error("cannot write a safetensors tensor named \"" + e.name + "\"");
    }
    if (!valid_utf8(e.name)) {
      throw Error("safetensors tensor name \"" + e.name + "\" is not valid UTF-8");
    }
    if (!names.insert(e.name).second) {
      throw Error("duplicate safetensors tensor name \"" + e.name + "\"");
    }
    if (safetensors_dtype_size(e.dtype) == 0) {
      throw Error("tensor \"" + e.name + "\": unsupported safetensors dtype \"" + e.dtype + "\"");
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
    json += "],\"data_offsets\":[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]}";
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
