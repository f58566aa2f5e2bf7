// Checks the shard format against an independent reader: Python h5py (Debian's interpreter).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

std::string run_reader(const std::string& dir, int* exit_code) {
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/python/data_read_shards.py " + dir + " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string join(const std::vector<int32_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out.empty() ? "-" : out;
}

TEST(ShardFormat, H5pyReadsImageRecordsByteIdentical) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 23, 10);
  std::ostringstream expected;
  for (uint64_t i = 0; i < 23; ++i) {
    const ImageRecord r = testing::make_image(i);
    char name[32];
    std::snprintf(name, sizeof(name), "shard-%05d.h5", static_cast<int>(i / 10));
    std::string hex;
    char byte[3];
    for (uint8_t b : r.bytes) {
      std::snprintf(byte, sizeof(byte), "%02x", b);
      hex += byte;
    }
    expected << name << " " << i % 10 << " " << hex << " " << join(r.labels) << " " << r.key
             << "\n";
  }
  int code = -1;
  const std::string output = run_reader(tmp.path(), &code);
  ASSERT_EQ(code, 0) << output;
  EXPECT_EQ(output, expected.str());
}

TEST(ShardFormat, H5pyReadsTokenRecordsIdentical) {
  TempDir tmp;
  testing::write_token_set(tmp.path(), 15, 8);
  std::ostringstream expected;
  expected << "tokenizer wordpiece abc123\n";
  for (uint64_t i = 0; i < 15; ++i) {
    if (i == 8) expected << "tokenizer wordpiece abc123\n";
    const TokenRecord r = testing::make_tokens(i);
    expected << "shard-0000" << i / 8 << ".h5 " << i % 8 << " " << join(r.tokens) << " "
             << r.b_start << " " << static_cast<int>(r.nsp_label) << "\n";
  }
  int code = -1;
  const std::string output = run_reader(tmp.path(), &code);
  ASSERT_EQ(code, 0) << output;
  EXPECT_EQ(output, expected.str());
}

}  // namespace
}  // namespace ptk::data
