#include "text/corpus/document_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"
#include "common/data/input_parts.h"

namespace ptk::text {
namespace {

using Sentences = std::vector<std::string>;

TEST(DocumentReader, BlankLinesSeparateDocumentsOfOneSentencePerLine) {
  DocumentReader reader(InputFormat::kSentencePerLine);
  std::vector<Document> docs;
  reader.read_text("\n\nFirst one.\r\n  Second one.  \n\n \t\n\nOther doc.\nLast line", "mem",
                   &docs);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].sentences, (Sentences{"First one.", "Second one."}));
  EXPECT_EQ(docs[1].sentences, (Sentences{"Other doc.", "Last line"}));
  EXPECT_EQ(reader.stats().lines, 9);
  EXPECT_EQ(reader.stats().invalid_utf8_lines, 0);
}

TEST(DocumentReader, IcuSplitsTrickyEnglishIntoSentences) {
  DocumentReader reader(InputFormat::kRawText);
  EXPECT_EQ(reader.split_sentences("Dr. Smith met Mr. Jones at 5 p.m. yesterday. They talked."),
            (Sentences{"Dr. Smith met Mr. Jones at 5 p.m. yesterday.", "They talked."}));
  EXPECT_EQ(reader.split_sentences("He said \"No.\" Then he left... Nobody knew why? Yes!"),
            (Sentences{"He said \"No.\"", "Then he left...", "Nobody knew why?", "Yes!"}));
  EXPECT_EQ(reader.split_sentences("Use a solvent, e.g. acetone. See Fig. 3 for details."),
            (Sentences{"Use a solvent, e.g. acetone.", "See Fig. 3 for details."}));
  EXPECT_EQ(reader.split_sentences("Pi is 3.14 roughly. Ok"),
            (Sentences{"Pi is 3.14 roughly.", "Ok"}));
  EXPECT_TRUE(reader.split_sentences("   ").empty());
}

TEST(DocumentReader, RawTextJoinsWrappedLinesBeforeSplitting) {
  DocumentReader reader(InputFormat::kRawText);
  std::vector<Document> docs;
  reader.read_text("The cat sat on\nthe mat. It was\nhappy.\n\nA new story begins.\n", "mem",
                   &docs);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].sentences, (Sentences{"The cat sat on the mat.", "It was happy."}));
  EXPECT_EQ(docs[1].sentences, (Sentences{"A new story begins."}));
}

TEST(DocumentReader, InvalidUtf8LinesAreCountedWithFileAndLineAndSkipped) {
  for (auto format : {InputFormat::kSentencePerLine, InputFormat::kRawText}) {
    DocumentReader reader(format);
    std::vector<Document> docs;
    std::string text = "Good line.\nBad \xff line.\nAlso good.\n\n";
    for (int i = 0; i < 7; ++i) text += "Broken \xc3\x28 again.\n";
    text += "Fine.\n";
    reader.read_text(text, "corpus.txt", &docs);
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].sentences, (Sentences{"Good line.", "Also good."}));
    EXPECT_EQ(docs[1].sentences, (Sentences{"Fine."}));
    EXPECT_EQ(reader.stats().invalid_utf8_lines, 8);
    ASSERT_EQ(reader.stats().invalid_utf8_examples.size(), ReaderStats::kMaxExamples);
    EXPECT_EQ(reader.stats().invalid_utf8_examples[0].rfind("corpus.txt:2: invalid UTF-8", 0), 0u)
        << reader.stats().invalid_utf8_examples[0];
    EXPECT_EQ(reader.stats().invalid_utf8_examples[1].rfind("corpus.txt:5:", 0), 0u);
  }
}

TEST(DocumentReader, ReadsFilesAndNamesAMissingOne) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "document_reader_files";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.txt") << "One.\nTwo.\n\nThree.\n";
  DocumentReader reader(InputFormat::kSentencePerLine);
  std::vector<Document> docs;
  reader.read_file((dir / "a.txt").string(), &docs);
  EXPECT_EQ(docs.size(), 2u);
  try {
    reader.read_file((dir / "missing.txt").string(), &docs);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_input_format("raw"), InputFormat::kRawText);
  EXPECT_THROW(parse_input_format("xml"), Error);
}

TEST(DocumentReader, PartsHoldEverySentenceOnceAndACutDocumentBecomesTwo) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "document_reader_parts";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "c.txt").string();
  {
    std::ofstream out(path);
    for (int d = 0; d < 40; ++d) {
      for (int s = 0; s < 1 + d % 4; ++s) out << "Doc " << d << " sentence " << s << ".\n";
      out << "\n";
    }
  }
  std::vector<Document> whole;
  DocumentReader(InputFormat::kSentencePerLine).read_file(path, &whole);
  for (const int64_t parts : {1, 3, 7}) {
    std::vector<Document> docs;
    DocumentReader reader(InputFormat::kSentencePerLine);
    for (const auto& part : data::plan_input_parts({path}, parts)) reader.read_part(part, &docs);
    Sentences a, b;
    for (const auto& doc : whole) a.insert(a.end(), doc.sentences.begin(), doc.sentences.end());
    for (const auto& doc : docs) b.insert(b.end(), doc.sentences.begin(), doc.sentences.end());
    EXPECT_EQ(b, a) << parts << " parts";
    // A part boundary inside a document cuts it in two; never more documents than that.
    EXPECT_GE(docs.size(), whole.size());
    EXPECT_LE(docs.size(), whole.size() + static_cast<size_t>(parts - 1));
  }
}

TEST(DocumentReader, InvalidUtf8InAPartIsReportedWithFileAndByteOffset) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "document_reader_part_utf8";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bad.txt").string();
  std::ofstream(path) << "Good.\nBad \xff.\nAlso good.\n";
  DocumentReader reader(InputFormat::kSentencePerLine);
  std::vector<Document> docs;
  reader.read_part(data::plan_input_parts({path}, 1).front(), &docs);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].sentences, (Sentences{"Good.", "Also good."}));
  ASSERT_EQ(reader.stats().invalid_utf8_examples.size(), 1u);
  EXPECT_EQ(reader.stats().invalid_utf8_examples[0].find(path + ", line at byte 6: invalid UTF-8"),
            0u)
      << reader.stats().invalid_utf8_examples[0];
}

}  // namespace
}  // namespace ptk::text
