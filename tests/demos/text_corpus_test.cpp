#include "demos/text_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/utf8_text.h"

namespace ptk::demo {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("text_corpus_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int run(const std::string& args, const fs::path& log) {
  const std::string command =
      std::string(PTK_DEMO_CORPUS_BIN) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool packages_present() {
  return fs::exists(fs::path(kDefaultGlossWordNetDir) / "data.noun") &&
         fs::exists(fs::path(kDefaultGcideDir) / "gcide.dict.dz");
}

TEST(DemoTextCorpus, BuilderWritesSentencePerLineDocumentsOfTheRequestedSize) {
  if (!packages_present()) GTEST_SKIP() << "wordnet-base or dict-gcide not installed";
  const auto dir = fresh_dir("small");
  ASSERT_EQ(run("demo.output_dir=" + (dir / "a").string() + " demo.corpus_kb=96", dir / "log"), 0)
      << slurp(dir / "log");
  const std::string text = slurp(dir / "a" / "corpus.txt");
  EXPECT_GE(text.size(), 96u << 10);
  EXPECT_LT(text.size(), (96u << 10) + 20000);  // at most one document past the target
  EXPECT_FALSE(ptk::find_utf8_defect(text).has_value());
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find("\n\n\n"), std::string::npos);  // exactly one blank line between docs
  EXPECT_NE(text.front(), '\n');

  std::istringstream lines(text);
  int documents = 1, sentences = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) {
      ++documents;
      continue;
    }
    ++sentences;
    EXPECT_EQ(line.find_first_of("{}\\\t\r"), std::string::npos) << line;  // no markup
    EXPECT_NE(line.front(), ' ') << line;
    EXPECT_NE(line.back(), ' ') << line;
  }
  EXPECT_GT(documents, 50);
  EXPECT_GT(sentences, 2 * documents);
  const std::string log = slurp(dir / "log");
  EXPECT_NE(log.find("Wrote " + std::to_string(documents) + " documents"), std::string::npos)
      << log;
  EXPECT_NE(log.find(std::to_string(sentences) + " sentences"), std::string::npos) << log;

  // Same options, same bytes; another seed, other documents.
  ASSERT_EQ(run("demo.output_dir=" + (dir / "b").string() + " demo.corpus_kb=96", dir / "log"), 0);
  EXPECT_EQ(slurp(dir / "b" / "corpus.txt"), text);
  ASSERT_EQ(run("demo.output_dir=" + (dir / "c").string() + " demo.corpus_kb=96 demo.seed=2",
                dir / "log"),
            0);
  EXPECT_NE(slurp(dir / "c" / "corpus.txt"), text);
}

TEST(DemoTextCorpus, WordNetGlossesBecomeLemmaDefinitionSentences) {
  if (!packages_present()) GTEST_SKIP() << "wordnet-base not installed";
  const auto docs = wordnet_gloss_documents(kDefaultGlossWordNetDir, 8);
  EXPECT_GT(docs.size(), 10000u);
  bool found = false;
  for (const auto& doc : docs) {
    EXPECT_LE(doc.sentences.size(), 8u * 6u);
    for (const auto& s : doc.sentences) {
      if (s == "Disaster: an act that has disastrous consequences.") found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(DemoTextCorpus, GcideSensesLoseTheirMarkup) {
  if (!packages_present()) GTEST_SKIP() << "dict-gcide not installed";
  const auto docs = gcide_documents(kDefaultGcideDir);
  EXPECT_GT(docs.size(), 20000u);
  bool found = false;
  for (const auto& doc : docs) {
    for (const auto& s : doc.sentences) {
      if (s == "To supply or impregnate with common air; as, to aerate soil; to aerate water.") {
        found = true;
      }
    }
  }
  EXPECT_TRUE(found);
}

TEST(DemoTextCorpus, BadOptionsAndMissingSourcesAreClearErrors) {
  const auto dir = fresh_dir("errors");
  EXPECT_EQ(run("demo.output_dir=" + dir.string() + " demo.corpus_kb=0", dir / "log"), 2);
  EXPECT_NE(slurp(dir / "log").find("ptk-demo-corpus: error: demo.corpus_kb"), std::string::npos)
      << slurp(dir / "log");
  EXPECT_EQ(run("demo.no_such_key=1", dir / "log"), 2);
  EXPECT_EQ(run("demo.output_dir=" + dir.string() +
                    " demo.gcide=false demo.wordnet_dir=" + (dir / "nowhere").string(),
                dir / "log"),
            1);
  EXPECT_NE(slurp(dir / "log").find("nowhere/data.noun"), std::string::npos) << slurp(dir / "log");
  EXPECT_EQ(run("--help", dir / "log"), 0);
  EXPECT_NE(slurp(dir / "log").find("demo.corpus_kb"), std::string::npos);
}

}  // namespace
}  // namespace ptk::demo
