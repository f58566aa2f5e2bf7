#include "common/base/utf8_text.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk {
namespace {

size_t defect_offset(const std::string& text) {
  const auto defect = find_utf8_defect(text);
  return defect ? defect->offset : std::string::npos;
}

TEST(Utf8, WellFormedTextHasNoDefect) {
  for (const std::string& text : std::vector<std::string>{
           "", "plain ascii", "café", "北京", "😀👍🏽", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBD",
           std::string("nul\0inside", 10)}) {
    EXPECT_FALSE(find_utf8_defect(text).has_value()) << text;
    EXPECT_TRUE(is_valid_utf8(text)) << text;
  }
}

TEST(Utf8, EveryKindOfIllFormedSequenceIsFoundAtItsOffset) {
  EXPECT_EQ(defect_offset("ab\x80"), 2u);              // lone continuation byte
  EXPECT_EQ(defect_offset("abc\xC0\xAF"), 3u);         // overlong '/'
  EXPECT_EQ(defect_offset("\xE0\x80\xAF"), 0u);        // overlong 3-byte
  EXPECT_EQ(defect_offset("x\xED\xA0\x80"), 1u);       // UTF-16 surrogate
  EXPECT_EQ(defect_offset("xy\xF4\x90\x80\x80"), 2u);  // above U+10FFFF
  EXPECT_EQ(defect_offset("\xF5\x80\x80\x80"), 0u);    // never-used lead byte
  EXPECT_EQ(defect_offset("ok \xF0\x9F\x98"), 3u);     // emoji cut at the end
  EXPECT_EQ(defect_offset("caf\xC3(x)"), 3u);          // lead byte then ASCII
  EXPECT_EQ(defect_offset("\xFF"), 0u);
  for (const char* text : {"ab\x80", "abc\xC0\xAF", "x\xED\xA0\x80", "ok \xF0\x9F\x98", "\xFF"}) {
    EXPECT_FALSE(is_valid_utf8(text)) << "the yes/no form agrees: " << text;
  }
}

TEST(Utf8, CheckNamesContextAndByteOffset) {
  try {
    check_utf8("hello\xFFworld", "corpus.txt:12");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "corpus.txt:12: invalid UTF-8 at byte offset 5: byte 0xFF never "
                 "occurs in UTF-8");
  }
  EXPECT_NO_THROW(check_utf8("fine ✓", "text"));
}

TEST(Utf8, ReplacementFollowsMaximalSubpartPractice) {
  std::string out;
  // Worked by hand from Unicode §3.9 (the same answers as Python's errors="replace").
  EXPECT_EQ(replace_invalid_utf8("a\xF0\x9F\x98"
                                 "b",
                                 &out),
            1);  // one cut 4-byte sequence
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF", &out), 2);  // C0 never valid, AF lone
  EXPECT_EQ(replace_invalid_utf8("\xE0\x80\xAF", &out), 3);
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80", &out), 3);
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82(", &out), 1);
  EXPECT_EQ(out, "\xEF\xBF\xBD(");
  EXPECT_EQ(replace_invalid_utf8("clean 😀", &out), 0);
  EXPECT_EQ(out, "clean 😀");
}

}  // namespace
}  // namespace ptk
