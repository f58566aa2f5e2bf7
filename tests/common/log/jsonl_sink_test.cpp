#include "common/log/jsonl_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/base/error.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

using testing::read_file;
using testing::TempDir;
using Object = std::vector<std::pair<std::string, std::optional<double>>>;

// A strict reader for the flat objects JsonlSink writes: string keys, number or null values.
class FlatJsonReader {
 public:
  explicit FlatJsonReader(const std::string& text) : text_(text) {}

  Object object() {
    Object out;
    expect('{');
    skip_space();
    if (peek() == '}') return ++pos_, out;
    while (true) {
      skip_space();
      std::string key = string();
      skip_space();
      expect(':');
      skip_space();
      out.emplace_back(std::move(key), value());
      skip_space();
      if (peek() == '}') break;
      expect(',');
    }
    ++pos_;
    if (pos_ != text_.size()) throw std::runtime_error("trailing text");
    return out;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected ") + c + " at " + text_);
    ++pos_;
  }
  void skip_space() {
    while (peek() == ' ') ++pos_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (peek() != '"') {
      const char c = text_.at(pos_++);
      if (static_cast<unsigned char>(c) < 0x20) throw std::runtime_error("raw control char");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = text_.at(pos_++);
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
          const long code = std::stol(text_.substr(pos_, 4), nullptr, 16);
          pos_ += 4;
          if (code >= 0x80) throw std::runtime_error("only ASCII \\u escapes expected");
          out += static_cast<char>(code);
          break;
        }
        default:
          throw std::runtime_error("bad escape");
      }
    }
    ++pos_;
    return out;
  }
  std::optional<double> value() {
    if (text_.compare(pos_, 4, "null") == 0) return pos_ += 4, std::nullopt;
    const char* begin = text_.c_str() + pos_;
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    if (end == begin || !std::isfinite(v)) throw std::runtime_error("bad number at " + text_);
    pos_ += end - begin;
    return v;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Object parse(const std::string& line) { return FlatJsonReader(line).object(); }

TEST(JsonlSink, LinesRoundTripWithEscapedKeysAndNullForNonFinite) {
  TempDir tmp;
  const std::string path = tmp.file("metrics.jsonl");
  const std::string odd_key = "we\"ird\\key\n\t\x01/ü";
  const double before =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  {
    JsonlSink sink(path);
    sink.write(7, {{"loss", 2.3456789012345}, {"lr", 1e-5}, {odd_key, -0.1}});
    sink.write(8, {{"loss", std::nan("")},
                   {"grad_norm", std::numeric_limits<double>::infinity()},
                   {"neg", -std::numeric_limits<double>::infinity()}});
  }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 2u);

  const Object first = parse(lines[0]);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0].first, "step");
  EXPECT_EQ(first[0].second, 7.0);
  EXPECT_EQ(first[1].first, "time");
  ASSERT_TRUE(first[1].second.has_value());
  EXPECT_GE(*first[1].second, before - 0.01);
  EXPECT_LE(*first[1].second, before + 60);
  EXPECT_EQ(first[2], (std::pair<std::string, std::optional<double>>{"loss", 2.3456789012345}));
  EXPECT_EQ(first[3].second, 1e-5);
  EXPECT_EQ(first[4].first, odd_key);
  EXPECT_EQ(first[4].second, -0.1);

  const Object second = parse(lines[1]);
  ASSERT_EQ(second.size(), 5u);
  EXPECT_EQ(second[0].second, 8.0);
  EXPECT_EQ(second[2].first, "loss");
  EXPECT_FALSE(second[2].second.has_value());
  EXPECT_FALSE(second[3].second.has_value());
  EXPECT_FALSE(second[4].second.has_value());
}

TEST(JsonlSink, NumbersReadBackExactly) {
  for (const double v :
       {0.0, 0.1, -2.5, 1e-300, 6.02214076e23, 123456789012.0, 1.0 / 3.0,
        std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    const std::string text = json_number(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  EXPECT_EQ(json_number(std::nan("")), "null");
}

TEST(JsonlSink, ReopeningAppendsToExistingFile) {
  TempDir tmp;
  const std::string path = tmp.file("metrics.jsonl");
  { JsonlSink(path).write(1, {{"loss", 3.0}}); }
  { JsonlSink(path).write(2, {{"loss", 2.0}}); }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse(lines[0])[0].second, 1.0);
  EXPECT_EQ(parse(lines[1])[0].second, 2.0);
}

TEST(JsonlSink, TornLastLineIsClosedBeforeAppending) {
  TempDir tmp;
  const std::string path = tmp.file("metrics.jsonl");
  testing::write_file(path, "{\"step\": 1, \"time\": 1.0}\n{\"step\": 2, \"ti");
  { JsonlSink(path).write(3, {{"loss", 1.0}}); }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "{\"step\": 2, \"ti");
  EXPECT_EQ(parse(lines[2])[0].second, 3.0);
}

TEST(JsonlSink, CreatesParentDirectories) {
  TempDir tmp;
  const std::string path = tmp.file("run/a/b/metrics.jsonl");
  { JsonlSink(path).write(1, {}); }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(parse(lines[0]).size(), 2u);
}

TEST(JsonlSink, MetricNamedLikeBuiltInFieldIsError) {
  TempDir tmp;
  const std::string path = tmp.file("metrics.jsonl");
  JsonlSink sink(path);
  try {
    sink.write(1, {{"time", 1.0}});
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'time'"), std::string::npos) << what;
    EXPECT_NE(what.find(path), std::string::npos) << what;
  }
}

TEST(JsonlSink, UnopenableFileIsErrorNamingIt) {
  TempDir tmp;
  testing::write_file(tmp.file("plain_file"), "x");
  const std::string path = tmp.file("plain_file") + "/metrics.jsonl";
  try {
    JsonlSink sink(path);
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plain_file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::log
