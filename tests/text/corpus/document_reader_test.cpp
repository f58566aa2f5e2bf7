#include "text/corpus/document_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"

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

}  // namespace
}  // namespace ptk::text
