// The demo GLUE tasks read back with the GLUE reader: exact layouts (zero malformed rows),
// balanced labels, no sentence in two splits, same bytes for the same seed.
#include "demos/demo_glue.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/base/error.h"
#include "text/glue/glue_reader.h"

namespace ptk::demo {
namespace {

namespace fs = std::filesystem;
using text::glue::GlueTask;
using text::glue::read_glue_split;

// A unique directory per call: builds in other worktrees may run these tests at the same time.
fs::path fresh_dir(const std::string& name) {
  std::string pattern = testing::TempDir() + "demo_glue_" + name + "_XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& args, const fs::path& log) {
  const std::string command =
      std::string(PTK_DEMO_GLUE_BIN) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool wordnet_present() { return fs::exists(fs::path(kDefaultDemoGlueWordNetDir) / "data.noun"); }

DemoGlueOptions small_options() {
  DemoGlueOptions options;
  options.train_rows = 600;
  options.dev_rows = 120;
  options.test_rows = 80;
  return options;
}

// Every sentence of a split's texts (both of a pair).
std::set<std::string> sentences_of(const text::glue::GlueSplit& split) {
  std::set<std::string> sentences;
  for (const auto& example : split.examples) {
    sentences.insert(example.text_a);
    if (!example.text_b.empty()) sentences.insert(example.text_b);
  }
  return sentences;
}

TEST(DemoGlue, TasksReadBackBalancedWithDisjointSplits) {
  if (!wordnet_present()) GTEST_SKIP() << "wordnet-base not installed";
  const auto dir = fresh_dir("read_back");
  const DemoGlueOptions options = small_options();
  const DemoGlueStats stats = write_demo_glue(options, dir.string());
  ASSERT_EQ(stats.files.size(), 6u);
  EXPECT_GT(stats.definitions, 50000);

  for (GlueTask task : {GlueTask::kSST2, GlueTask::kMRPC}) {
    std::map<std::string, std::set<std::string>> sentences;
    for (const auto& [split, rows] :
         std::vector<std::pair<std::string, int64_t>>{{"train", options.train_rows},
                                                      {"dev", options.dev_rows},
                                                      {"test", options.test_rows}}) {
      const auto read = read_glue_split(task, dir.string(), split);
      EXPECT_EQ(read.rows_skipped, 0) << read.report();
      ASSERT_EQ(static_cast<int64_t>(read.examples.size()), rows) << read.report();
      int64_t positives = 0;
      for (const auto& example : read.examples) {
        positives += example.label == 1;
        EXPECT_FALSE(example.text_a.empty());
        EXPECT_EQ(example.text_b.empty(), task == GlueTask::kSST2);
        if (split == "test") {
          EXPECT_EQ(example.label, -1);
        } else {
          EXPECT_NE(example.label, -1);
        }
      }
      if (split != "test") {
        EXPECT_EQ(positives, rows / 2) << split;
      }
      sentences[split] = sentences_of(read);
    }
    // No sentence of dev or test was seen in training (nor shared between dev and test).
    for (const auto& held_out : {"dev", "test"}) {
      for (const auto& sentence : sentences[held_out]) {
        EXPECT_EQ(sentences["train"].count(sentence), 0u) << held_out << ": " << sentence;
      }
    }
    for (const auto& sentence : sentences["dev"]) EXPECT_EQ(sentences["test"].count(sentence), 0u);
  }
  // Test files are labelled on our side only: the stats know the balance.
  EXPECT_EQ(stats.files[2].positives, options.test_rows / 2);
  EXPECT_EQ(stats.files[5].positives, options.test_rows / 2);
  fs::remove_all(dir);
}

TEST(DemoGlue, SameSeedSameBytesOtherSeedOtherRows) {
  if (!wordnet_present()) GTEST_SKIP() << "wordnet-base not installed";
  const auto dir = fresh_dir("determinism");
  DemoGlueOptions options = small_options();
  write_demo_glue(options, (dir / "a").string());
  write_demo_glue(options, (dir / "b").string());
  options.seed = 2;
  write_demo_glue(options, (dir / "c").string());
  for (const char* file : {"SST-2/train.tsv", "SST-2/dev.tsv", "SST-2/test.tsv", "MRPC/train.tsv",
                           "MRPC/dev.tsv", "MRPC/test.tsv"}) {
    const std::string a = slurp(dir / "a" / file);
    EXPECT_FALSE(a.empty()) << file;
    EXPECT_EQ(slurp(dir / "b" / file), a) << file;
    EXPECT_NE(slurp(dir / "c" / file), a) << file;
  }
  fs::remove_all(dir);
}

TEST(DemoGlue, GlossDefinitionDropsExamples) {
  EXPECT_EQ(gloss_definition("a sudden very loud noise; \"the bang of a gun\""),
            "a sudden very loud noise");
  EXPECT_EQ(gloss_definition("(botany) a  plant\tpart ; \"x\"; \"y\""), "(botany) a plant part");
  EXPECT_EQ(gloss_definition("\"only an example\""), "");
}

TEST(DemoGlue, BinaryWritesDefaultSizesAndRejectsBadOptions) {
  if (!wordnet_present()) GTEST_SKIP() << "wordnet-base not installed";
  const auto dir = fresh_dir("binary");
  ASSERT_EQ(run("demo.output_dir=" + (dir / "out").string(), dir / "log"), 0) << slurp(dir / "log");
  const std::string log = slurp(dir / "log");
  EXPECT_NE(log.find("SST-2/train.tsv: 4000 rows, 2000 labelled 1"), std::string::npos) << log;
  EXPECT_NE(log.find("MRPC/dev.tsv: 500 rows, 250 labelled 1"), std::string::npos) << log;
  const auto mrpc = read_glue_split(GlueTask::kMRPC, (dir / "out").string(), "train");
  EXPECT_EQ(mrpc.examples.size(), 4000u);
  EXPECT_EQ(mrpc.rows_skipped, 0);

  EXPECT_EQ(run("demo.output_dir=" + (dir / "x").string() + " demo.dev_rows=0", dir / "log"), 2);
  EXPECT_NE(slurp(dir / "log").find("ptk-demo-glue: error: demo.dev_rows must be >= 2"),
            std::string::npos)
      << slurp(dir / "log");
  EXPECT_EQ(
      run("demo.output_dir=" + (dir / "x").string() + " demo.train_rows=10000000", dir / "log"), 2);
  EXPECT_NE(slurp(dir / "log").find("ask for fewer rows"), std::string::npos) << slurp(dir / "log");
  EXPECT_EQ(run("demo.wordnet_dir=" + (dir / "nowhere").string(), dir / "log"), 1);
  EXPECT_NE(slurp(dir / "log").find("nowhere/data.noun"), std::string::npos) << slurp(dir / "log");
  EXPECT_EQ(run("demo.no_such_key=1", dir / "log"), 2);
  EXPECT_EQ(run("--help", dir / "log"), 0);
  EXPECT_NE(slurp(dir / "log").find("demo.train_rows"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "x"));  // nothing written on a bad option
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ptk::demo
