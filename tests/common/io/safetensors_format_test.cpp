#include "common/io/safetensors_format.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::io {
namespace {

// A file made of the given JSON header (length field = its exact size) and `data_bytes`
// bytes of tensor data.
std::string make_file(const std::string& json, std::size_t data_bytes) {
  std::string out(8, '\0');
  uint64_t len = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((len >> (8 * i)) & 0xFF);
  out += json;
  for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<char>(i * 7));
  return out;
}

SafetensorsHeader parse(const std::string& file, const std::string& origin = "w.safetensors") {
  return parse_safetensors(reinterpret_cast<const uint8_t*>(file.data()), file.size(), origin);
}

// The message of the ptk::Error that parsing `file` throws ("" if it does not throw).
std::string parse_error(const std::string& file) {
  try {
    parse(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kTwoTensors =
    R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
    R"("a":{"dtype":"I8","shape":[],"data_offsets":[8,9]}})";

TEST(SafetensorsFormat, ParsesEntriesInFileOrderWithMetadata) {
  const std::string file = make_file(kTwoTensors, 9);
  const SafetensorsHeader h = parse(file);
  ASSERT_EQ(h.entries.size(), 2u);
  EXPECT_EQ(h.entries[0].name, "b");
  EXPECT_EQ(h.entries[0].dtype, "F32");
  EXPECT_EQ(h.entries[0].shape, std::vector<int64_t>{2});
  EXPECT_EQ(h.entries[0].begin, 0u);
  EXPECT_EQ(h.entries[0].end, 8u);
  EXPECT_EQ(h.entries[1].name, "a");
  EXPECT_TRUE(h.entries[1].shape.empty());
  EXPECT_EQ(h.entries[1].begin, 8u);
  EXPECT_EQ(h.entries[1].end, 9u);
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.data_offset, 8 + std::string(kTwoTensors).size());
}

TEST(SafetensorsFormat, AcceptsOffsetsListedOutOfOrderAndEmptyTensors) {
  const std::string json = R"({"z":{"dtype":"F16","shape":[3],"data_offsets":[2,8]},)"
                           R"( "e":{"dtype":"F64","shape":[0,5],"data_offsets":[2,2]},)"
                           "\n"
                           R"( "y":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}   )";
  const SafetensorsHeader h = parse(make_file(json, 8));
  ASSERT_EQ(h.entries.size(), 3u);
  EXPECT_EQ(h.entries[0].name, "z");
  EXPECT_EQ(h.entries[1].shape, (std::vector<int64_t>{0, 5}));
  EXPECT_TRUE(h.metadata.empty());
  EXPECT_EQ(parse(make_file("{}", 0)).entries.size(), 0u);
}

TEST(SafetensorsFormat, DecodesStringEscapesIncludingUnicode) {
  const std::string json =
      R"({"caf\u00e9.\ud83d\ude00\t\"q\"\\\/":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
      R"("__metadata__":{"note":"line\nbreak","raw":"√"}})";
  const SafetensorsHeader h = parse(make_file(json, 1));
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.entries[0].name, "caf\xc3\xa9.\xf0\x9f\x98\x80\t\"q\"\\/");
  EXPECT_EQ(h.metadata.at("note"), "line\nbreak");
  EXPECT_EQ(h.metadata.at("raw"), "\xe2\x88\x9a");
}

// REFERENCE.md §4: 8-byte little-endian length N, N bytes of JSON, then the data; we pad the
// JSON with spaces so the data starts at a multiple of 8 and always record format "pt".
TEST(SafetensorsFormat, EncodedHeaderFollowsReferenceLayout) {
  std::vector<SafetensorsEntry> entries = {{"fc.weight", "F32", {2, 3}, 0, 24},
                                           {"fc.bias", "F32", {2}, 24, 32},
                                           {"step", "I64", {}, 32, 40}};
  const std::string head = encode_safetensors_header(entries, {{"epoch", "3"}});
  ASSERT_GE(head.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(head[i]);
  EXPECT_EQ(n, head.size() - 8);
  EXPECT_EQ(head.size() % 8, 0u);
  const std::string json = head.substr(8);
  const std::string expected = R"({"__metadata__":{"epoch":"3","format":"pt"},)"
                               R"("fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                               R"("fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
                               R"("step":{"dtype":"I64","shape":[],"data_offsets":[32,40]}})";
  EXPECT_EQ(json.substr(0, expected.size()), expected);
  EXPECT_EQ(json.find_first_not_of(' ', expected.size()), std::string::npos);

  const SafetensorsHeader h = parse(head + std::string(40, '\0'));
  ASSERT_EQ(h.entries.size(), 3u);
  EXPECT_EQ(h.entries[2].name, "step");
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.metadata.at("epoch"), "3");
}

TEST(SafetensorsFormat, EncoderRejectsBadNamesAndForeignFormat) {
  EXPECT_THROW(encode_safetensors_header({{"a", "F32", {1}, 0, 4}, {"a", "F32", {1}, 4, 8}}, {}),
               Error);
  EXPECT_THROW(encode_safetensors_header({{"__metadata__", "F32", {1}, 0, 4}}, {}), Error);
  EXPECT_THROW(encode_safetensors_header({{"x", "C64", {1}, 0, 8}}, {}), Error);
  EXPECT_THROW(encode_safetensors_header({}, {{"format", "np"}}), Error);
}

TEST(SafetensorsFormat, EveryTruncationIsAnErrorNamingTheFile) {
  const std::string file = make_file(kTwoTensors, 9);
  for (std::size_t len = 0; len < file.size(); ++len) {
    const std::string msg = parse_error(file.substr(0, len));
    ASSERT_FALSE(msg.empty()) << "truncation to " << len << " bytes was accepted";
    EXPECT_NE(msg.find("w.safetensors"), std::string::npos) << msg;
  }
  EXPECT_NE(parse_error(file.substr(0, 5)).find("shorter than the 8-byte"), std::string::npos);
  EXPECT_NE(parse_error(file.substr(0, 20)).find("runs past the end"), std::string::npos);
  EXPECT_NE(parse_error(file.substr(0, file.size() - 1)).find("truncated"), std::string::npos);
}

TEST(SafetensorsFormat, RejectsHugeHeaderLength) {
  std::string file = make_file("{}", 0);
  file[5] = 1;  // 2^40 + 2
  EXPECT_NE(parse_error(file).find("exceeds the limit"), std::string::npos) << parse_error(file);
}

TEST(SafetensorsFormat, RejectsMalformedJson) {
  const std::string tensor = R"("t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "unexpected end of input"},
      {"{" + tensor + "} x", "expected end of input"},
      {"{" + tensor + "}}", "expected end of input"},
      {"{" + tensor + "," + tensor + "}", "duplicate key \"t\""},
      {"{" + tensor, "expected '}'"},
      {R"({"t)", "missing closing quote"},
      {R"({"t\q":1})", "forbidden character after backslash"},
      {R"({"t\u12":1})", "4 hex digits"},
      {R"({"\ud800":1})", "surrogate"},
      {R"({"\udc00":1})", "surrogate"},
      {"{\"a\tb\":1}", "control character"},
      {"{\"\xff\":1}", "UTF-8"},
      {"{\"\xc0\xaf\":1}", "UTF-8"},
      {R"({"t":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})", "non-integer"},
      {R"({"t":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}})", "unexpected number literal"},
      {R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[0,99999999999999999999999]}})",
       "out of range"},
      {R"({"t":true})", "true/false/null"},
      {R"({"t" 1})", "expected ':'"},
      {R"({"t":[1 2]})", "expected ']'"},
      {"{1:2}", "expected string literal"},
      {"[]", "not an object"},
      {"\"text\"", "not an object"},
      {std::string(40, '[') + std::string(40, ']'), "nested deeper"},
  };
  for (const auto& [json, expected] : cases) {
    const std::string msg = parse_error(make_file(json, 1));
    ASSERT_FALSE(msg.empty()) << "accepted: " << json;
    EXPECT_NE(msg.find(expected), std::string::npos) << json << " -> " << msg;
    EXPECT_NE(msg.find("w.safetensors"), std::string::npos) << msg;
  }
}

TEST(SafetensorsFormat, RejectsInconsistentTensorsNamingThem) {
  struct Case {
    std::string json;
    std::size_t data;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12, "gap"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
       R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       8, "overlap"},
      {R"({"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", 2, "unsupported dtype"},
      {R"({"w":{"dtype":7,"shape":[2],"data_offsets":[0,2]}})", 2, "not a string"},
      {R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20, "needs 24 bytes"},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "negative dimension"},
      {R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8, "not an integer"},
      {R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8,
       "overflows"},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[2,0]}})", 2, "end before"},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0]}})", 2, "two integers"},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,-2]}})", 2, "non-negative"},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", 3, "trailing bytes"},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", 1, "past the data section"},
      {R"({"w":{"shape":[2],"data_offsets":[0,2]}})", 2, "missing \"dtype\""},
      {R"({"w":{"dtype":"U8","data_offsets":[0,2]}})", 2, "missing \"shape\""},
      {R"({"w":{"dtype":"U8","shape":[2]}})", 2, "missing \"data_offsets\""},
      {R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"x":[]}})", 2, "unknown field"},
      {R"({"w":[1,2]})", 0, "not an object"},
  };
  for (const auto& c : cases) {
    const std::string msg = parse_error(make_file(c.json, c.data));
    ASSERT_FALSE(msg.empty()) << "accepted: " << c.json;
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.json << " -> " << msg;
    EXPECT_NE(msg.find("\"w\""), std::string::npos) << c.json << " -> " << msg;
  }
}

TEST(SafetensorsFormat, RejectsNonStringMetadata) {
  const std::string msg = parse_error(make_file(R"({"__metadata__":{"epoch":3}})", 0));
  EXPECT_NE(msg.find("metadata \"epoch\""), std::string::npos) << msg;
  EXPECT_NE(parse_error(make_file(R"({"__metadata__":[]})", 0)).find("not an object"),
            std::string::npos);
}

// Every single-byte corruption of a valid file either still parses (to a consistent header)
// or is a ptk::Error; nothing else escapes and nothing reads out of bounds.
TEST(SafetensorsFormat, CorruptedBytesNeverEscapeAsAnythingButError) {
  const std::string file = make_file(kTwoTensors, 9);
  const unsigned char replacements[] = {0x00, 0x01, 0x22, 0x5c, 0x7b, 0x7d, 0x80, 0xff, ' '};
  for (std::size_t pos = 0; pos < file.size(); ++pos) {
    for (unsigned char r : replacements) {
      std::string damaged = file;
      damaged[pos] = static_cast<char>(r);
      try {
        const SafetensorsHeader h = parse(damaged);
        uint64_t covered = 0;
        for (const auto& e : h.entries) covered += e.end - e.begin;
        EXPECT_EQ(h.data_offset + covered, damaged.size());
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace ptk::io
