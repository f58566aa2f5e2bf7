#include "text/tokenizers/basic_tokenizer.h"

#include <gtest/gtest.h>

namespace ptk::text {
namespace {

using Words = std::vector<std::string>;

TEST(BasicTokenizer, UncasedFoldsCaseAndAccentsThenSplitsPunctuation) {
  const BasicTokenizer basic(true);
  EXPECT_EQ(basic.tokenize("Héllo, WORLD!"), (Words{"hello", ",", "world", "!"}));
  EXPECT_EQ(basic.tokenize("Straße Dvořák Łódź"), (Words{"straße", "dvorak", "łodz"}));
  EXPECT_EQ(basic.tokenize("e-mail (see «above»)"),
            (Words{"e", "-", "mail", "(", "see", "«", "above", "»", ")"}));
  // Marks alone vanish with their word.
  EXPECT_EQ(basic.tokenize("a \xCC\x81\xCC\x88 b"), (Words{"a", "b"}));
}

TEST(BasicTokenizer, CasedLeavesLettersAlone) {
  const BasicTokenizer basic(false);
  EXPECT_EQ(basic.tokenize("Héllo, WORLD!"), (Words{"Héllo", ",", "WORLD", "!"}));
  EXPECT_EQ(basic.tokenize("ΟΔΟΣ"), (Words{"ΟΔΟΣ"}));
}

TEST(BasicTokenizer, IdeographsStandAloneButKanaAndHangulDoNot) {
  const BasicTokenizer basic(true);
  EXPECT_EQ(basic.tokenize("日本語とカタカナ"), (Words{"日", "本", "語", "とカタカナ"}));
  EXPECT_EQ(basic.tokenize("𠀀x"), (Words{"𠀀", "x"}));  // U+20000, extension B
  // Hangul is not an ideograph; NFD (uncased) splits its syllables into jamo, as HF does.
  EXPECT_EQ(BasicTokenizer(false).tokenize("한국어"), (Words{"한국어"}));
  EXPECT_EQ(basic.tokenize("한").front(), "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB");
}

TEST(BasicTokenizer, CharacterClassesFollowBert) {
  EXPECT_TRUE(is_bert_punctuation(U'$'));
  EXPECT_TRUE(is_bert_punctuation(U'^'));
  EXPECT_TRUE(is_bert_punctuation(U'`'));
  EXPECT_TRUE(is_bert_punctuation(U'\u00BF'));   // ¿ (Po)
  EXPECT_FALSE(is_bert_punctuation(U'\u20AC'));  // € (Sc)
  EXPECT_TRUE(is_bert_control(U'\u200B'));       // Cf
  EXPECT_TRUE(is_bert_control(U'\x7F'));
  EXPECT_TRUE(is_bert_control(0xE000));  // private use
  EXPECT_FALSE(is_bert_control(U'\t'));
  EXPECT_TRUE(is_bert_whitespace(U'\u3000'));  // ideographic space (Zs)
  EXPECT_FALSE(is_bert_whitespace(U'\x0B'));   // vertical tab is a control, dropped
  EXPECT_TRUE(is_cjk_ideograph(0x4E00));
  EXPECT_FALSE(is_cjk_ideograph(0x3042));  // hiragana
}

TEST(BasicTokenizer, EmptyAndControlOnlyTextGivesNothing) {
  const BasicTokenizer basic(true);
  EXPECT_TRUE(basic.tokenize("").empty());
  EXPECT_TRUE(basic.tokenize("\x01\x0B\x7F\xE2\x80\x8B \n").empty());
}

}  // namespace
}  // namespace ptk::text
