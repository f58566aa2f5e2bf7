// DocumentReader turns text files into documents of sentences, the input of the packers.
// Two layouts: one sentence per line with blank lines between documents (BERT's format), or
// raw text (blank lines between documents) split into sentences by ICU's English sentence
// BreakIterator. Lines that are not valid UTF-8 are skipped and counted, with file and line of
// the first few, so one bad byte never stops a corpus. Not thread safe (one reader per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace ptk::data {
struct InputPart;
}

namespace ptk::text {

enum class InputFormat {
  kSentencePerLine,  // each non-blank line is a sentence
  kRawText,          // lines of a document are joined and split with ICU
};

// "sentence_per_line" / "raw"; anything else is a usage_error.
InputFormat parse_input_format(const std::string& name);
const char* to_string(InputFormat format);

struct Document {
  std::vector<std::string> sentences;  // non-empty, trimmed, valid UTF-8
};

struct ReaderStats {
  int64_t files = 0;
  int64_t lines = 0;
  int64_t invalid_utf8_lines = 0;
  // "<file>:<line>: <what>" for the first kMaxExamples invalid lines.
  std::vector<std::string> invalid_utf8_examples;
  static constexpr size_t kMaxExamples = 5;
};

class DocumentReader {
 public:
  explicit DocumentReader(InputFormat format);
  ~DocumentReader();
  DocumentReader(const DocumentReader&) = delete;
  DocumentReader& operator=(const DocumentReader&) = delete;

  // Appends the documents of a file to `out`. A file that cannot be opened or read is an
  // Error naming it. Documents without sentences are dropped.
  void read_file(const std::string& path, std::vector<Document>* out);
  // The same for text in memory; `name` stands for the file in reports.
  void read_text(std::string_view text, const std::string& name, std::vector<Document>* out);
  // Appends the documents of one part: the lines that start inside its byte range. Invalid lines
  // are reported as "<file>, line at byte <offset>". Does not count a file in stats().files.
  void read_part(const data::InputPart& part, std::vector<Document>* out);

  // ICU sentence segmentation of one paragraph of valid UTF-8: UAX #29 English rules, plus no
  // break after common abbreviations ("Dr. Smith", "e.g. this"). Trimmed, no empties. As in
  // UAX #29, '!' or '?' before a closing quote ends a sentence even if lower case follows.
  std::vector<std::string> split_sentences(std::string_view paragraph);

  const ReaderStats& stats() const { return stats_; }

 private:
  // One line without its '\n': a sentence line, the blank line that ends a document, or (not
  // valid UTF-8) a skipped line that `where()` names in the report.
  template <typename Where>
  void add_line(std::string_view raw, const Where& where, std::vector<Document>* out);
  void finish_document(std::vector<Document>* out);

  InputFormat format_;
  ReaderStats stats_;
  std::vector<std::string> lines_;  // of the document being read
  std::unique_ptr<icu::BreakIterator> breaker_;
};

}  // namespace ptk::text
