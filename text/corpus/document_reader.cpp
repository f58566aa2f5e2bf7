#include "text/corpus/document_reader.h"

#include <fmt/format.h>
#include <unicode/brkiter.h>
#include <unicode/filteredbrk.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/base/trim.h"
#include "common/base/utf8_text.h"
#include "common/data/input_parts.h"
#include "common/io/atomic_file.h"

namespace ptk::text {

namespace {
constexpr EnumName<InputFormat> kInputFormatNames[] = {
    {InputFormat::kSentencePerLine, "sentence_per_line"}, {InputFormat::kRawText, "raw"}};
}  // namespace

InputFormat parse_input_format(const std::string& name) {
  return parse_name(kInputFormatNames, name, "corpus.format");
}

const char* to_string(InputFormat format) { return name_of(kInputFormatNames, format); }

namespace {

// Titles and abbreviations that end in a period but rarely end a sentence. ICU's own
// suppression data for English is not present in every ICU build, so the list is explicit.
constexpr const char* kAbbreviations[] = {
    "Mr.",  "Mrs.", "Ms.",   "Dr.",  "Prof.", "St.",     "Jr.",  "Sr.",  "Rev.", "Gen.",
    "Col.", "Lt.",  "Capt.", "Sgt.", "Mt.",   "Fig.",    "No.",  "Nos.", "Vol.", "pp.",
    "vs.",  "cf.",  "viz.",  "e.g.", "i.e.",  "approx.", "Inc.", "Ltd.", "Co.",  "Corp."};

std::unique_ptr<icu::BreakIterator> make_sentence_breaker() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> base(
      icu::BreakIterator::createSentenceInstance(icu::Locale::getEnglish(), status));
  std::unique_ptr<icu::FilteredBreakIteratorBuilder> filter(
      icu::FilteredBreakIteratorBuilder::createInstance(icu::Locale::getEnglish(), status));
  if (U_FAILURE(status) || !base || !filter) {
    throw error("ICU: cannot create the English sentence BreakIterator: {}", u_errorName(status));
  }
  for (const char* abbreviation : kAbbreviations) {
    filter->suppressBreakAfter(icu::UnicodeString::fromUTF8(abbreviation), status);
  }
  std::unique_ptr<icu::BreakIterator> filtered(
      filter->wrapIteratorWithFilter(base.release(), status));
  if (U_FAILURE(status) || !filtered) {
    throw error("ICU: cannot add abbreviation rules to the sentence BreakIterator: {}",
                u_errorName(status));
  }
  return filtered;
}

}  // namespace

// The ICU iterator is created on first use: sentence-per-line input never needs it.
DocumentReader::DocumentReader(InputFormat format) : format_(format) {}

DocumentReader::~DocumentReader() = default;

std::vector<std::string> DocumentReader::split_sentences(std::string_view paragraph) {
  if (!breaker_) breaker_ = make_sentence_breaker();
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(paragraph.data(), static_cast<int32_t>(paragraph.size())));
  breaker_->setText(text);
  std::vector<std::string> sentences;
  int32_t start = breaker_->first();
  for (int32_t end = breaker_->next(); end != icu::BreakIterator::DONE;
       start = end, end = breaker_->next()) {
    std::string sentence;
    text.tempSubStringBetween(start, end).toUTF8String(sentence);
    const auto trimmed = trim(sentence);
    if (!trimmed.empty()) sentences.emplace_back(trimmed);
  }
  return sentences;
}

void DocumentReader::finish_document(std::vector<Document>* out) {
  if (lines_.empty()) return;
  Document doc;
  if (format_ == InputFormat::kSentencePerLine) {
    doc.sentences = std::move(lines_);
  } else {
    // Raw text may wrap sentences across lines: segment the document's text as a whole.
    std::string joined;
    for (const auto& line : lines_) {
      if (!joined.empty()) joined += ' ';
      joined += line;
    }
    doc.sentences = split_sentences(joined);
  }
  lines_.clear();
  if (!doc.sentences.empty()) out->push_back(std::move(doc));
}

template <typename Where>
void DocumentReader::add_line(std::string_view raw, const Where& where,
                              std::vector<Document>* out) {
  ++stats_.lines;
  if (const auto defect = find_utf8_defect(raw)) {
    ++stats_.invalid_utf8_lines;
    if (stats_.invalid_utf8_examples.size() < ReaderStats::kMaxExamples) {
      stats_.invalid_utf8_examples.push_back(
          fmt::format("{}: invalid UTF-8 at byte {}: {}", where(), defect->offset, defect->what));
    }
    return;  // skipped; the document goes on
  }
  const auto line = trim(raw);
  if (line.empty()) {
    finish_document(out);
  } else {
    lines_.emplace_back(line);
  }
}

void DocumentReader::read_text(std::string_view text, const std::string& name,
                               std::vector<Document>* out) {
  ++stats_.files;
  lines_.clear();
  int64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    add_line(
        raw, [&] { return fmt::format("{}:{}", name, line_number); }, out);
  }
  finish_document(out);
}

void DocumentReader::read_part(const data::InputPart& part, std::vector<Document>* out) {
  lines_.clear();
  data::PartLineReader reader(part);
  std::string raw;
  while (reader.next(raw)) {
    add_line(
        raw, [&] { return fmt::format("{}, line at byte {}", part.file, reader.line_offset()); },
        out);
  }
  finish_document(out);
}

void DocumentReader::read_file(const std::string& path, std::vector<Document>* out) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const Error& e) {
    throw error("corpus: {}", e.what());
  }
  read_text(text, path, out);
}

}  // namespace ptk::text
