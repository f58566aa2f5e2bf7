#include "common/io/safetensors.h"

#include <ATen/ATen.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "tests/common/io/test_dir.h"

namespace ptk::io {
namespace {

using testing::TestDir;

at::Tensor sample(at::ScalarType type, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  at::Tensor values = at::arange(n, at::kDouble) * 1.5 - 3.0;
  if (type == at::kBool) return (at::arange(n, at::kLong) % 3 == 0).reshape(shape);
  if (type == at::kByte) values = at::arange(n, at::kDouble) * 37 + 200;  // wraps: uses bit 7
  return values.to(type).reshape(shape);
}

void expect_same(const StateDict& got, const StateDict& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_EQ(got[i].second.scalar_type(), want[i].second.scalar_type()) << want[i].first;
    EXPECT_EQ(got[i].second.sizes(), want[i].second.sizes()) << want[i].first;
    EXPECT_TRUE(at::equal(got[i].second, want[i].second)) << want[i].first;
  }
}

TEST(Safetensors, RoundTripsEveryDtypeInOrder) {
  TestDir dir;
  const std::vector<at::ScalarType> types = {at::kDouble, at::kFloat, at::kHalf,  at::kBFloat16,
                                             at::kLong,   at::kInt,   at::kShort, at::kChar,
                                             at::kByte,   at::kBool};
  StateDict state;
  for (at::ScalarType t : types) {
    const std::string name = std::string("z.") + c10::toString(t);
    state.emplace_back(name + ".matrix", sample(t, {3, 5}));
    state.emplace_back(name + ".scalar", sample(t, {}));
    state.emplace_back(name + ".empty", sample(t, {0, 4}));
  }
  save_safetensors(dir.file("all.safetensors"), state);
  expect_same(load_safetensors(dir.file("all.safetensors")), state);
}

TEST(Safetensors, StoresNonContiguousTensorsInCOrder) {
  TestDir dir;
  at::Tensor base = sample(at::kFloat, {4, 6});
  StateDict state = {{"t", base.t()}, {"s", base.slice(1, 1, 5, 2)}};
  save_safetensors(dir.file("v.safetensors"), state);
  const StateDict loaded = load_safetensors(dir.file("v.safetensors"));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_TRUE(loaded[0].second.is_contiguous());
  EXPECT_TRUE(at::equal(loaded[0].second, base.t()));
  EXPECT_TRUE(at::equal(loaded[1].second, base.slice(1, 1, 5, 2)));
}

// REFERENCE.md §4: u64 LE header length, JSON with dtype/shape/data_offsets and
// "__metadata__": {"format": "pt"}, then raw little-endian data from offset 0.
TEST(Safetensors, WritesReferenceByteLayout) {
  TestDir dir;
  StateDict state = {{"w", at::tensor({1.0f, -2.5f})}, {"n", at::scalar_tensor(7, at::kLong)}};
  save_safetensors(dir.file("l.safetensors"), state, {{"source", "test"}});
  const std::string bytes = read_file(dir.file("l.safetensors"));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  ASSERT_EQ(bytes.size(), 8 + n + 16);
  EXPECT_EQ((8 + n) % 8, 0u);
  const std::string json = bytes.substr(8, n);
  EXPECT_EQ(json.rfind(R"({"__metadata__":{"format":"pt","source":"test"},)"
                       R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("n":{"dtype":"I64","shape":[],"data_offsets":[8,16]}})",
                       0),
            0u)
      << json;
  const unsigned char expected_data[16] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0,
                                           7,    0,    0,    0,    0,    0,    0,    0};
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + n, expected_data, 16), 0);

  std::map<std::string, std::string> metadata;
  load_safetensors(dir.file("l.safetensors"), &metadata);
  EXPECT_EQ(metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"source", "test"}}));
}

TEST(Safetensors, EveryTruncationOfAFileIsAnErrorNamingIt) {
  TestDir dir;
  StateDict state = {{"a", sample(at::kFloat, {3})}, {"b", sample(at::kBFloat16, {2, 2})}};
  save_safetensors(dir.file("good.safetensors"), state);
  const std::string bytes = read_file(dir.file("good.safetensors"));
  const std::string cut = dir.file("cut.safetensors");
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    write_file_atomic(cut, bytes.substr(0, len));
    try {
      load_safetensors(cut);
      ADD_FAILURE() << "truncation to " << len << " bytes was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
    }
  }
  write_file_atomic(cut, bytes + "x");
  EXPECT_THROW(load_safetensors(cut), Error);
}

TEST(Safetensors, RejectsBoolBytesOtherThanZeroOrOne) {
  TestDir dir;
  save_safetensors(dir.file("b.safetensors"), {{"mask", at::ones({4}, at::kBool)}});
  std::string bytes = read_file(dir.file("b.safetensors"));
  bytes[bytes.size() - 2] = 2;
  write_file_atomic(dir.file("b.safetensors"), bytes);
  try {
    load_safetensors(dir.file("b.safetensors"));
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"mask\""), std::string::npos) << e.what();
  }
}

TEST(Safetensors, MissingFileIsAnErrorNamingIt) {
  TestDir dir;
  try {
    load_safetensors(dir.file("absent.safetensors"));
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors"), std::string::npos);
  }
}

TEST(Safetensors, RefusesUnsupportedTensorsAndKeepsOldFile) {
  TestDir dir;
  const std::string path = dir.file("m.safetensors");
  save_safetensors(path, {{"a", at::ones({2})}});
  const std::string before = read_file(path);
  EXPECT_THROW(save_safetensors(path, {{"c", at::ones({2}, at::kComplexFloat)}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"a", at::ones({2})}, {"a", at::ones({2})}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"__metadata__", at::ones({2})}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"u", at::Tensor()}}), Error);
  EXPECT_EQ(read_file(path), before);
}

}  // namespace
}  // namespace ptk::io
