#include "common/log/crc32c.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptk::log {
namespace {

uint32_t crc_of(const std::string& text) { return crc32c(text.data(), text.size()); }

TEST(Crc32c, MatchesStandardCheckValue) { EXPECT_EQ(crc_of("123456789"), 0xE3069283u); }

// Vectors from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, MatchesIscsiTestVectors) {
  std::vector<unsigned char> bytes(32, 0x00);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x8A9136AAu);
  bytes.assign(32, 0xFF);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) bytes[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) bytes[i] = static_cast<unsigned char>(31 - i);
  EXPECT_EQ(crc32c(bytes.data(), bytes.size()), 0x113FDB5Cu);
}

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(crc32c(nullptr, 0), 0u); }

TEST(Crc32c, ExtendEqualsCrcOfConcatenation) {
  const std::string a = "hello, ", b = "tensorboard";
  EXPECT_EQ(crc32c_extend(crc_of(a), b.data(), b.size()), crc_of(a + b));
}

TEST(Crc32c, MaskRotatesAndAddsTfRecordConstant) {
  EXPECT_EQ(mask_crc32c(0), 0xa282ead8u);
  const uint32_t crc = 0xE3069283u;
  EXPECT_EQ(mask_crc32c(crc), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

}  // namespace
}  // namespace ptk::log
