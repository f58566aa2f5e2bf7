// Base64 against RFC 4648's test vectors, and every byte value.
#include "common/base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace ptk {
namespace {

TEST(Base64, EncodesTheRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, EncodesHighAndZeroBytes) {
  EXPECT_EQ(base64_encode(std::string("\x00\x00\x00", 3)), "AAAA");
  EXPECT_EQ(base64_encode("\xff\xff\xff"), "////");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

}  // namespace
}  // namespace ptk
