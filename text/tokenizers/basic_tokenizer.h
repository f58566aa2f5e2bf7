// BERT's BasicTokenizer (the step before WordPiece) on ICU, rule for rule as HF transformers'
// BertTokenizer applies it: drop NUL, U+FFFD and every C* character except tab/CR/LF; map
// white space to spaces; isolate CJK ideographs; split on white space; if uncased, lowercase
// (full case mapping) then NFD and drop Mn marks; split off every punctuation character.
// Stateless after construction: tokenize may run from many threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ptk::text {

class BasicTokenizer {
 public:
  explicit BasicTokenizer(bool do_lower_case);

  // Words and punctuation marks of `text`, UTF-8. `text` must be well-formed UTF-8 (the
  // Tokenizer front door checks it).
  std::vector<std::string> tokenize(std::string_view text) const;

  bool do_lower_case() const { return do_lower_case_; }

 private:
  // Lowercase + NFD + drop Mn, appended to `out` as code points.
  void lower_and_strip_accents(const std::u32string& word, std::u32string* out) const;

  bool do_lower_case_;
  const void* nfd_;  // icu::Normalizer2*, owned by ICU; kept opaque so that users need no ICU
};

// Character classes of the BasicTokenizer, exposed for the masking and corpus code.
bool is_bert_whitespace(char32_t c);   // space, \t, \n, \r, Zs
bool is_bert_control(char32_t c);      // C* except \t, \n, \r
bool is_bert_punctuation(char32_t c);  // ASCII 33-47, 58-64, 91-96, 123-126, or P*
bool is_cjk_ideograph(char32_t c);     // the CJK Unified/Compatibility Ideograph blocks

}  // namespace ptk::text
