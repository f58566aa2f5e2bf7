// ptk-bert as users run it: a small corpus from ptk-demo-corpus, `prepare` (SentencePiece
// tokenizer, shards per phase length, baseline), `train` through two phases (128-then-512 in
// miniature) on one rank and continued on two ranks under the real torchrun launcher, resume
// after SIGKILL equal bit for bit to the uninterrupted run, a tiny model memorising a tiny
// corpus, and the usage errors.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
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

int run(const std::vector<std::string>& argv, const std::string& log, std::string* output) {
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(240)));
  *output = child.output();
  return code;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Two phases in miniature: 32 tokens, then 64.
const std::vector<std::string> kPhases = {
    "phases.max_seq_length=[32,64]", "phases.global_batch=[16,8]", "phases.max_predictions=[5,10]"};

// A 160 KiB demo corpus prepared into <dir>/shards with an 800-piece SentencePiece model.
std::string prepare_demo(const ScratchDir& dir) {
  std::string output;
  EXPECT_EQ(run({kDemoCorpus, "demo.output_dir=" + dir / "text", "demo.corpus_kb=160"},
                dir / "corpus.log", &output),
            0)
      << output;
  std::vector<std::string> args = {kBert,
                                   "prepare",
                                   "--config",
                                   kDemoConfig,
                                   "prepare.inputs=[" + dir / "text/corpus.txt" + "]",
                                   "prepare.out=" + dir / "shards",
                                   "prepare.vocab_size=800",
                                   "phases.steps=[1,1]"};
  args.insert(args.end(), kPhases.begin(), kPhases.end());
  EXPECT_EQ(run(args, dir / "prepare.log", &output), 0) << output;
  return output;
}

std::vector<std::string> train_args(const ScratchDir& dir, const std::string& run_dir, int steps1,
                                    int steps2) {
  std::vector<std::string> args = {
      kBert,
      "train",
      "--config",
      kDemoConfig,
      "prepare.out=" + dir / "shards",
      "run.dir=" + dir / run_dir,
      "phases.steps=[" + std::to_string(steps1) + "," + std::to_string(steps2) + "]",
      "schedule.warmup_steps=2",
      "train.log_every=2",
      "checkpoint.every=2"};
  args.insert(args.end(), kPhases.begin(), kPhases.end());
  return args;
}

std::vector<std::string> torchrun(const std::vector<std::string>& args) {
  return torchrun_command(2, args);
}

TEST(BertPrepare, WritesTokenizerShardsPerPhaseLengthAndTheBaseline) {
  ScratchDir dir;
  const std::string output = prepare_demo(dir);
  EXPECT_NE(output.find("Most-frequent-token MLM baseline: 0."), std::string::npos) << output;
  EXPECT_NE(output.find("random next sentence"), std::string::npos) << output;
  for (const char* file :
       {"tokenizer.model", "summary.txt", "seq32/manifest.yaml", "seq32/tokenizer.model",
        "seq64/manifest.yaml", "seq64/tokenizer.model"}) {
    EXPECT_TRUE(fs::exists(dir / ("shards/" + std::string(file)))) << file;
  }
  const std::string manifest = read_text(dir / "shards/seq64/manifest.yaml");
  EXPECT_NE(manifest.find("tokenizer.model"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("max_seq_length: 64"), std::string::npos) << manifest;
  EXPECT_NE(read_text(dir / "shards/summary.txt").find("baseline"), std::string::npos);
}

TEST(BertTrain, TrainsTwoPhasesOnOneRankThenContinuesOnTwoRanksUnderTorchrun) {
  ScratchDir dir;
  prepare_demo(dir);
  std::string output;
  ASSERT_EQ(run(train_args(dir, "run", 4, 4), dir / "train1.log", &output), 0) << output;
  EXPECT_NE(output.find("finished phase 2 of 2 at step 4"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "run/phase1/checkpoints/step_4/model.pt")) << output;
  EXPECT_TRUE(fs::exists(dir / "run/phase2/checkpoints/step_4/model.pt")) << output;
  EXPECT_NE(output.find("phase 2: starting from the weights of"), std::string::npos) << output;
  EXPECT_NE(output.find("most-frequent-token MLM baseline"), std::string::npos) << output;
  for (const char* phase : {"run/phase1", "run/phase2"}) {
    const double loss = last_logged_value(dir / phase, "loss");
    EXPECT_TRUE(std::isfinite(loss) && loss > 0) << phase << " " << loss;
    const double mlm = last_logged_value(dir / phase, "mlm_acc");
    EXPECT_TRUE(mlm >= 0 && mlm <= 1) << phase << " " << mlm;
    const double nsp = last_logged_value(dir / phase, "nsp_acc");
    EXPECT_TRUE(nsp >= 0 && nsp <= 1) << phase << " " << nsp;
  }

  // Longer phase 2 on two ranks: phase 1 is done, phase 2 resumes at step 4.
  ASSERT_EQ(run(torchrun(train_args(dir, "run", 4, 8)), dir / "train2.log", &output), 0) << output;
  EXPECT_NE(output.find("phase 1: finished earlier"), std::string::npos) << output;
  EXPECT_NE(output.find("resuming from"), std::string::npos) << output;
  EXPECT_NE(output.find("on 2 rank(s)"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "run/phase2/checkpoints/step_8/model.pt")) << output;
  EXPECT_EQ(last_logged_step(dir / "run/phase2"), 8);
  EXPECT_TRUE(std::isfinite(last_logged_value(dir / "run/phase2", "mlm_loss")));
}

TEST(BertTrain, ResumeAfterSigkillMatchesTheUninterruptedRunBitwise) {
  ScratchDir dir;
  prepare_demo(dir);
  std::string output;
  ASSERT_EQ(run(train_args(dir, "whole", 3, 14), dir / "whole.log", &output), 0) << output;

  std::vector<std::string> args = train_args(dir, "killed", 3, 14);
  args.push_back("checkpoint.every=1");
  {
    Child child(args, {}, dir / "killed1.log");
    const std::string mark = dir / "killed/phase2/checkpoints/step_2/state.yaml";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(mark) && child.running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(child.running()) << "the run ended before it could be killed:\n" << child.output();
    child.signal(SIGKILL);
    EXPECT_EQ(exit_code(child.wait()), -SIGKILL);
  }
  ASSERT_FALSE(fs::exists(dir / "killed/phase2/checkpoints/step_14")) << "killed too late";
  ASSERT_EQ(run(args, dir / "killed2.log", &output), 0) << output;
  EXPECT_NE(output.find("resuming from"), std::string::npos) << output;
  EXPECT_TRUE(
      bitwise_equal(final_model(dir / "whole/phase2", 14), final_model(dir / "killed/phase2", 14)));
}

// 8 short documents over a 40-word vocabulary: 27 sequences of 32 pieces (with an 80-piece
// SentencePiece model) that a 2-layer BERT learns by heart.
void write_tiny_corpus(const std::string& path) {
  const std::vector<std::string> words = {
      "river",  "stone",  "green",   "light",  "quiet",  "sharp",  "winter", "market",
      "copper", "garden", "signal",  "window", "yellow", "forest", "number", "letter",
      "silver", "bridge", "morning", "engine", "paper",  "castle", "ocean",  "pencil",
      "tiger",  "summer", "violin",  "planet", "rocket", "island", "candle", "mirror",
      "ladder", "basket", "button",  "camera", "desert", "helmet", "jacket", "kettle"};
  std::ofstream out(path);
  for (int d = 0; d < 8; ++d) {
    for (int s = 0; s < 4; ++s) {
      for (int w = 0; w < 7; ++w) {
        out << (w ? " " : "") << words[(d * 7 + s * 3 + w * w + d * s) % words.size()];
      }
      out << ".\n";
    }
    out << "\n";
  }
}

TEST(BertTrain, TinyModelMemorisesATinyCorpus) {
  ScratchDir dir;
  write_tiny_corpus(dir / "tiny.txt");
  std::string output;
  ASSERT_EQ(run({kBert, "prepare", "--config", kDemoConfig,
                 "prepare.inputs=[" + dir / "tiny.txt" + "]", "prepare.out=" + dir / "shards",
                 "prepare.vocab_size=80", "prepare.packing=contiguous", "data.max_seq_length=32"},
                dir / "prepare.log", &output),
            0)
      << output;
  ASSERT_EQ(
      run({kBert, "train", "--config", kDemoConfig, "prepare.out=" + dir / "shards",
           "run.dir=" + dir / "run", "data.max_seq_length=32", "train.global_batch=8",
           "train.steps=800", "train.log_every=50", "checkpoint.every=0", "schedule.name=constant",
           "schedule.warmup_steps=20", "model.hidden_dropout_prob=0",
           "model.attention_probs_dropout_prob=0", "optim.lr=0.001", "model.hidden_size=256",
           "model.intermediate_size=1024", "model.num_attention_heads=4"},
          dir / "train.log", &output),
      0)
      << output;
  const double accuracy = last_logged_value(dir / "run/phase1", "mlm_acc");
  EXPECT_GT(accuracy, 0.9) << output;
  // Contiguous packing has no NSP target, so none is trained or logged.
  EXPECT_TRUE(std::isnan(last_logged_value(dir / "run/phase1", "nsp_acc")));
}

TEST(BertCommandLine, UsageAndConfigErrorsExitWithTwo) {
  ScratchDir dir;
  std::string output;
  EXPECT_EQ(run({kBert, "bogus"}, dir / "a.log", &output), 2) << output;
  EXPECT_EQ(run({kBert, "prepare"}, dir / "b.log", &output), 2) << output;
  EXPECT_NE(output.find("prepare.inputs"), std::string::npos) << output;
  EXPECT_EQ(run({kBert, "train"}, dir / "c.log", &output), 2) << output;
  EXPECT_NE(output.find("data.shards"), std::string::npos) << output;
  EXPECT_EQ(run({kBert, "train", "phases.stepz=[1]"}, dir / "d.log", &output), 2) << output;
  EXPECT_NE(output.find("did you mean"), std::string::npos) << output;
  EXPECT_EQ(run({kBert, "train", "phases.steps=[2,2]", "phases.max_seq_length=[32]"}, dir / "e.log",
                &output),
            2)
      << output;
  EXPECT_NE(output.find("phases.max_seq_length"), std::string::npos) << output;
  EXPECT_EQ(run({kBert, "train", "--help"}, dir / "f.log", &output), 0) << output;
  EXPECT_NE(output.find("phases.max_seq_length"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
