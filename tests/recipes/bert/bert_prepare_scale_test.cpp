// `ptk-bert prepare` at scale, as users run it: the same tokenizer and shard bytes for one rank or
// two (under the real torchrun) and any thread count; a rank killed with SIGKILL and restarted by
// torchrun resumes from its finished parts to the same bytes; a part too small for NSP stops
// every rank with an error naming it; an unfinished job is not mixed with a run of other options.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/toy_run.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kBert = std::string(PTK_BINARY_DIR) + "/ptk-bert";
const std::string kDemoCorpus = std::string(PTK_BINARY_DIR) + "/ptk-demo-corpus";
const std::string kDemoConfig = std::string(PTK_SOURCE_DIR) + "/recipes/bert/configs/demo.yaml";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(240)));
  *output = child.output();
  return code;
}

// A demo corpus of `kb` KiB (WordNet glosses and GCIDE definitions) at <dir>/text/corpus.txt.
std::string make_corpus(const ScratchDir& dir, int kb) {
  std::string output;
  EXPECT_EQ(
      run({kDemoCorpus, "demo.output_dir=" + dir / "text", "demo.corpus_kb=" + std::to_string(kb)},
          dir / "corpus.log", &output),
      0)
      << output;
  return dir / "text/corpus.txt";
}

std::vector<std::string> prepare_command(const std::string& corpus, const std::string& out,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> args = {kBert,
                                   "prepare",
                                   "--config",
                                   kDemoConfig,
                                   "prepare.inputs=[" + corpus + "]",
                                   "prepare.out=" + out,
                                   "prepare.vocab_size=800",
                                   "prepare.lengths=[32,64]"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Everything of the output that must not depend on ranks or threads: the tokenizer, and per
// length the manifest (every shard's xxh64) and vocab.tsv.
std::string output_fingerprint(const std::string& out) {
  std::string text = read_text(out + "/tokenizer.model");
  for (const char* length : {"seq32", "seq64"}) {
    text += read_text(out + "/" + length + "/manifest.yaml");
    text += read_text(out + "/" + length + "/vocab.tsv");
  }
  return text;
}

TEST(BertPrepareScale, OutputIsTheSameForOneOrTwoRanksAndAnyThreadCount) {
  ScratchDir dir;
  const std::string corpus = make_corpus(dir, 512);
  std::string output;
  ASSERT_EQ(run(prepare_command(corpus, dir / "r1t1", {"prepare.parts=4", "prepare.threads=1"}),
                dir / "r1t1.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("in 4 part(s)"), std::string::npos) << output;
  const std::string manifest = read_text(dir / "r1t1/seq64/manifest.yaml");
  EXPECT_NE(manifest.find("part-00003-00000.h5"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("rank"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("thread"), std::string::npos) << manifest;
  const std::string reference = output_fingerprint(dir / "r1t1");

  ASSERT_EQ(run(prepare_command(corpus, dir / "r1t2", {"prepare.parts=4", "prepare.threads=2"}),
                dir / "r1t2.log", &output),
            0)
      << output;
  EXPECT_EQ(output_fingerprint(dir / "r1t2"), reference);

  ASSERT_EQ(run(torchrun_command(2, prepare_command(corpus, dir / "r2t2",
                                                    {"prepare.parts=4", "prepare.threads=2"})),
                dir / "r2t2.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("rank 1: packed part-00001"), std::string::npos) << output;
  EXPECT_EQ(output_fingerprint(dir / "r2t2"), reference);
  EXPECT_FALSE(fs::exists(dir / "r2t2.partial"));
}

TEST(BertPrepareScale, RankKilledMidJobAndRestartedByTorchrunEndsByteIdentical) {
  ScratchDir dir;
  const std::string corpus = make_corpus(dir, 4096);
  // Many small parts and two lengths make the packing long enough to kill a rank inside it; a
  // small tokenizer sample keeps SentencePiece short.
  const std::vector<std::string> options = {"prepare.parts=48", "prepare.threads=1",
                                            "prepare.tokenizer_sample_sentences=4000"};
  std::string output;
  ASSERT_EQ(
      run(prepare_command(corpus, dir / "reference", options), dir / "reference.log", &output), 0)
      << output;
  EXPECT_NE(output.find("sample of 4000 of"), std::string::npos) << output;

  Child launcher(torchrun_command(2, prepare_command(corpus, dir / "out", options), 1), {},
                 dir / "killed.log");
  const fs::path done = dir / "out.partial/done";
  int packed = 0;
  bool killed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (!killed && launcher.running() && std::chrono::steady_clock::now() < deadline) {
    packed = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(done, error)) {
      packed += entry.path().filename().string().rfind("seq", 0) == 0 ? 1 : 0;
    }
    const pid_t rank1 = packed >= 1 ? find_rank_process(launcher.pid(), 1) : -1;
    if (rank1 > 0) {
      ASSERT_EQ(::kill(rank1, SIGKILL), 0);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(killed) << "the job ended before a rank could be killed; make it larger\n"
                      << launcher.output();
  EXPECT_LT(packed, 2 * 48) << "the kill landed after the last part";
  ASSERT_EQ(exit_code(launcher.wait(std::chrono::seconds(240))), 0) << launcher.output();
  // The restarted group kept what the first attempt had finished.
  EXPECT_NE(launcher.output().find("were packed earlier"), std::string::npos) << launcher.output();
  EXPECT_EQ(output_fingerprint(dir / "out"), output_fingerprint(dir / "reference"));
  EXPECT_FALSE(fs::exists(dir / "out.partial"));
  for (const auto& entry : fs::directory_iterator(dir / "out/seq64")) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "stray temporary " << entry.path();
  }
}

// A WordPiece vocabulary (BERT's five specials and the words of write_documents).
std::string write_vocab(const ScratchDir& dir) {
  std::ofstream out(dir / "vocab.txt");
  out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (int w = 0; w < 50; ++w) out << "word" << w << "\n";
  return dir / "vocab.txt";
}

// Five documents of two sentences, then one of forty: cut in two parts by bytes, the second part
// holds a single document.
std::string write_documents(const ScratchDir& dir) {
  std::ofstream out(dir / "docs.txt");
  for (int d = 0; d < 6; ++d) {
    for (int s = 0; s < (d < 5 ? 2 : 40); ++s) {
      for (int w = 0; w < 8; ++w) out << (w ? " " : "") << "word" << (d * 7 + s * 3 + w) % 50;
      out << "\n";
    }
    out << "\n";
  }
  return dir / "docs.txt";
}

TEST(BertPrepareScale, APartTooSmallForNspStopsEveryRankAndNamesThePart) {
  ScratchDir dir;
  const std::string vocab = write_vocab(dir);
  const std::string docs = write_documents(dir);
  std::string output;
  // Rank 1's part holds one document; rank 0's part is fine.
  const int code = run(
      torchrun_command(
          2, prepare_command(docs, dir / "out", {"prepare.tokenizer=" + vocab, "prepare.parts=2"})),
      dir / "failed.log", &output);
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find("part 1 (" + docs), std::string::npos) << output;
  EXPECT_NE(output.find("holds one document"), std::string::npos) << output;
  EXPECT_NE(output.find("prepare.parts"), std::string::npos) << output;
  EXPECT_NE(output.find("another rank failed"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "out.partial")) << output;
  EXPECT_FALSE(fs::exists(dir / "out")) << output;
}

TEST(BertPrepareScale, ARerunWithOtherOptionsWhileAPartialFolderExistsNamesIt) {
  ScratchDir dir;
  const std::string vocab = write_vocab(dir);
  const std::string docs = write_documents(dir);
  std::string output;
  const auto command = [&](const std::string& parts) {
    return prepare_command(docs, dir / "out", {"prepare.tokenizer=" + vocab, parts});
  };
  // A configuration that cannot work: a usage error (exit 2), with the job folder kept.
  EXPECT_EQ(run(command("prepare.parts=2"), dir / "a.log", &output), 2) << output;
  ASSERT_TRUE(fs::exists(dir / "out.partial")) << output;
  EXPECT_EQ(run(command("prepare.parts=1"), dir / "b.log", &output), 1) << output;
  EXPECT_NE(output.find(dir / "out.partial"), std::string::npos) << output;
  EXPECT_NE(output.find("other options"), std::string::npos) << output;
  EXPECT_NE(output.find("parts: 2"), std::string::npos) << output;
  fs::remove_all(dir / "out.partial");
  ASSERT_EQ(run(command("prepare.parts=1"), dir / "c.log", &output), 0) << output;
  EXPECT_NE(output.find("tokenizer " + dir / "out/vocab.txt (given"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "out/seq64/manifest.yaml"));
}

TEST(BertPrepareScale, TheTokenizerSampleMustBeBoundedAndTheOldKeyIsGone) {
  ScratchDir dir;
  const std::string docs = write_documents(dir);
  std::string output;
  EXPECT_EQ(run(prepare_command(docs, dir / "out", {"prepare.tokenizer_sample_sentences=0"}),
                dir / "a.log", &output),
            2)
      << output;
  EXPECT_NE(output.find("prepare.tokenizer_sample_sentences"), std::string::npos) << output;
  EXPECT_EQ(run(prepare_command(docs, dir / "out", {"prepare.sentence_sample=10"}), dir / "b.log",
                &output),
            2)
      << output;
  EXPECT_NE(output.find("did you mean"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
