// ptk-wsl as users run it: a small demo hashtag set from ptk-demo-data, `prepare` (vocabulary,
// shards, bad-image report, summary), `dedup` against evaluation folders, `train` on one rank, then
// continued on two ranks under the real torchrun launcher, and the usage errors.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/data/shard_format.h"
#include "common/data/shard_reader.h"
#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

const std::string kWsl = std::string(PTK_BINARY_DIR) + "/ptk-wsl";
const std::string kDemoData = std::string(PTK_BINARY_DIR) + "/ptk-demo-data";
const std::string kExport = std::string(PTK_BINARY_DIR) + "/ptk-export";

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

// Builds a 400-image demo set with one undecodable and one missing image added, and prepares
// it into <dir>/shards (with `prepare_keys` added). Returns prepare's output.
std::string prepare_demo(const ScratchDir& dir, const std::vector<std::string>& prepare_keys = {}) {
  std::string output;
  EXPECT_EQ(run({kDemoData, "demo.output_dir=" + dir / "demo", "demo.train_images=400",
                 "demo.val_images=20"},
                dir / "demo.log", &output),
            0)
      << output;
  const std::string manifest = dir / "demo/hashtags/manifest.jsonl";
  std::ofstream(dir / "demo/hashtags/images/broken.jpg") << "this is not a JPEG";
  std::ofstream(manifest, std::ios::app)
      << "{\"image\": \"images/broken.jpg\", \"hashtags\": [\"#tshirt\"]}\n"
      << "{\"image\": \"images/missing.jpg\", \"hashtags\": [\"#sneaker\"]}\n";
  std::vector<std::string> args = {kWsl,
                                   "prepare",
                                   "prepare.manifest=" + manifest,
                                   "prepare.out=" + dir / "shards",
                                   "prepare.val_fraction=0.1",
                                   "prepare.vocab_size=1.5k"};
  args.insert(args.end(), prepare_keys.begin(), prepare_keys.end());
  EXPECT_EQ(run(args, dir / "prepare.log", &output), 0) << output;
  return output;
}

std::vector<std::string> train_args(const ScratchDir& dir, int steps) {
  return {kWsl,
          "train",
          "--config",
          std::string(PTK_SOURCE_DIR) + "/recipes/wsl/configs/demo.yaml",
          "prepare.out=" + dir / "shards",
          "run.dir=" + dir / "run",
          "train.global_batch=32",
          "train.steps=" + std::to_string(steps),
          "train.log_every=2",
          "schedule.warmup_steps=2",
          "train.eval_every=0",
          "checkpoint.every=2",
          "data.eval_batch=64"};
}

TEST(WslPrepare, WritesShardsVocabularyAndReportsBadImages) {
  ScratchDir dir;
  const std::string output = prepare_demo(dir);
  EXPECT_NE(output.find("2 unreadable images"), std::string::npos) << output;
  EXPECT_NE(output.find("classes per kept image"), std::string::npos) << output;
  for (const char* file : {"train/manifest.yaml", "train/vocab.tsv", "val/manifest.yaml",
                           "val/vocab.tsv", "summary.txt"}) {
    EXPECT_TRUE(fs::exists(dir / ("shards/" + std::string(file)))) << file;
  }
  EXPECT_NE(read_text(dir / "shards/train/manifest.yaml").find("vocab.tsv"), std::string::npos);
  const std::string report = read_text(dir / "shards/bad_images.tsv");
  EXPECT_NE(report.find("images/broken.jpg"), std::string::npos) << report;
  EXPECT_NE(report.find("images/missing.jpg"), std::string::npos) << report;
  // The ten Fashion-MNIST classes (and hypernyms people tag) make up the vocabulary.
  const std::string vocab = read_text(dir / "shards/train/vocab.tsv");
  EXPECT_NE(vocab.find("n04133789"), std::string::npos) << vocab;  // sandal
}

// The demo's ImageNet-layout train/ copy holds every training image byte for byte: searched as
// the evaluation set, every record of the shard set is a duplicate.
TEST(WslDedup, ExcludesTrainingRecordsCopiedInTheEvaluationFolders) {
  ScratchDir dir;
  prepare_demo(dir);
  std::string output;
  ASSERT_EQ(run({kWsl, "dedup", "dedup.shards=" + dir / "shards/train",
                 "dedup.eval=[" + dir / "demo/imagenet/train" + "]", "dedup.out=" + dir / "dedup",
                 "dedup.threads=2"},
                dir / "dedup.log", &output),
            0)
      << output;
  const data::ShardSet shards(dir / "shards/train");
  const std::string exclusions = read_text(dir / "dedup/exclusions.txt");
  EXPECT_EQ(static_cast<uint64_t>(std::count(exclusions.begin(), exclusions.end(), '\n')),
            shards.num_samples());
  EXPECT_NE(output.find(std::to_string(shards.num_samples()) + " records at cosine similarity"),
            std::string::npos)
      << output;
  EXPECT_EQ(run({kWsl, "dedup", "dedup.shards=" + dir / "shards/train",
                 "dedup.eval=[" + dir / "demo/imagenet/val" + "]", "dedup.out=" + dir / "dedup2",
                 "dedup.threshold=1.5"},
                dir / "dedup2.log", &output),
            2);
  EXPECT_NE(output.find("dedup.threshold must be in (0, 1]"), std::string::npos) << output;
}

// dedup.embedding=backbone runs the network the keys name (here a small random-init ResNet-18 on
// 32 px crops), asks for weights when it is given none, and reads init.from as dedup.checkpoint.
TEST(WslDedup, TheBackboneEmbeddingRunsTheNetworkTheKeysName) {
  ScratchDir dir;
  prepare_demo(dir);
  std::vector<std::string> args = {kWsl,
                                   "dedup",
                                   "dedup.shards=" + dir / "shards/train",
                                   "dedup.eval=[" + dir / "demo/imagenet/val" + "]",
                                   "dedup.out=" + dir / "dedup",
                                   "dedup.embedding=backbone",
                                   "dedup.arch=resnet18",
                                   "dedup.resize=36",
                                   "dedup.crop=32"};
  std::string output;
  EXPECT_EQ(run(args, dir / "weights.log", &output), 2);
  EXPECT_NE(output.find("needs dedup.checkpoint"), std::string::npos) << output;
  args.push_back("init.from=" + dir / "nowhere/resnet18.pth");
  EXPECT_EQ(run(args, dir / "init_from.log", &output), 2);
  EXPECT_NE(output.find("dedup.checkpoint: '" + dir / "nowhere/resnet18.pth" + "' does not exist"),
            std::string::npos)
      << output;
  args.back() = "dedup.init=random";
  ASSERT_EQ(run(args, dir / "dedup.log", &output), 0) << output;
  EXPECT_NE(output.find("backbone (random arch=resnet18 seed=0; 32 px"), std::string::npos)
      << output;
  EXPECT_TRUE(fs::exists(dir / "dedup/exclusions.txt"));
}

// Two ranks under torchrun take every other evaluation image and shard; rank 0 merges what both
// found into the files one rank writes, byte for byte.
TEST(WslDedup, TwoRanksUnderTorchrunWriteWhatOneRankWrites) {
  ScratchDir dir;
  prepare_demo(dir, {"prepare.shard_bytes=60000"});
  ASSERT_GE(data::ShardSet(dir / "shards/train").num_shards(), 3u);
  std::ofstream(dir / "demo/imagenet/train/zz_broken.jpg") << "not a JPEG";
  auto dedup = [&](const std::string& out) -> std::vector<std::string> {
    return {kWsl,
            "dedup",
            "dedup.shards=" + dir / "shards/train",
            "dedup.eval=[" + dir / "demo/imagenet/train" + "]",
            "dedup.out=" + dir / out,
            "dedup.threads=1",
            "dedup.batch=50"};
  };
  std::string output;
  ASSERT_EQ(run(dedup("one"), dir / "one.log", &output), 0) << output;
  ASSERT_EQ(run(torchrun_command(2, dedup("two")), dir / "two.log", &output), 0) << output;
  EXPECT_NE(output.find("rank 1 searched its shards"), std::string::npos) << output;
  for (const char* file : {"duplicates.tsv", "exclusions.txt", "unreadable.tsv"}) {
    EXPECT_EQ(read_text(dir / ("two/" + std::string(file))),
              read_text(dir / ("one/" + std::string(file))))
        << file;
  }
  EXPECT_NE(read_text(dir / "two/unreadable.tsv").find("zz_broken.jpg"), std::string::npos);
  std::string summary = read_text(dir / "two/summary.txt");
  const size_t out_named = summary.find(dir / "two");
  ASSERT_NE(out_named, std::string::npos) << summary;
  summary.replace(out_named, (dir / "two").size(), dir / "one");
  EXPECT_EQ(summary, read_text(dir / "one/summary.txt"));
  EXPECT_FALSE(fs::exists(dir / "two.ranks"));
}

// data.exclude takes dedup's exclusions.txt: the keys are found in the shard set and left out;
// a key the set does not hold stops the run naming it.
TEST(WslTrain, LeavesOutTheRecordsOfAnExclusionListAndNamesAnUnknownKey) {
  ScratchDir dir;
  prepare_demo(dir);
  const data::ShardSet shards(dir / "shards/train");
  const auto first = shards.shard(0);
  std::ofstream(dir / "exclusions.txt") << first->record(0).key << "\n"
                                        << first->record(5).key << "\n";
  std::vector<std::string> args = train_args(dir, 2);
  args.push_back("data.exclude=" + dir / "exclusions.txt");
  std::string output;
  ASSERT_EQ(run(args, dir / "train.log", &output), 0) << output;
  EXPECT_NE(output.find(fmt::format("2 records of {} left out", shards.num_samples())),
            std::string::npos)
      << output;
  std::ofstream(dir / "exclusions.txt", std::ios::app) << "no-such-image.jpg\n";
  args.back() = "data.exclude=" + dir / "exclusions.txt";
  args.push_back("run.dir=" + dir / "run2");
  EXPECT_EQ(run(args, dir / "train2.log", &output), 1) << output;
  EXPECT_NE(output.find("'no-such-image.jpg' (line 3)"), std::string::npos) << output;
}

TEST(WslTrain, TrainsOnOneRankThenResumesOnTwoRanksUnderTorchrun) {
  ScratchDir dir;
  prepare_demo(dir);
  std::string output;
  ASSERT_EQ(run(train_args(dir, 4), dir / "train1.log", &output), 0) << output;
  EXPECT_TRUE(fs::exists(dir / "run/checkpoints/step_4/model.pt")) << output;
  EXPECT_TRUE(std::isfinite(last_logged_value(dir / "run", "loss")));
  EXPECT_GE(last_logged_value(dir / "run", "eval/top1"), 0.0) << "no evaluation logged";

  const std::vector<std::string> launch = torchrun_command(2, train_args(dir, 8));
  ASSERT_EQ(run(launch, dir / "train2.log", &output), 0) << output;
  EXPECT_NE(output.find("resuming from"), std::string::npos) << output;
  EXPECT_NE(output.find("on 2 rank(s)"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "run/checkpoints/step_8/model.pt")) << output;
  EXPECT_EQ(last_logged_step(dir / "run"), 8);
  const double loss = last_logged_value(dir / "run", "loss");
  EXPECT_TRUE(std::isfinite(loss) && loss > 0) << loss;
  const double top5 = last_logged_value(dir / "run", "top5");
  EXPECT_GE(top5, 0.0);
  EXPECT_LE(top5, 1.0);
}

// 2,000 one-image shards, 64 of them mapped at most: training runs, resumes bit for bit, and
// never maps more than the limit (plus what the decode thread holds while it reads).
TEST(WslTrain, TwoThousandShardsWithSixtyFourOpenTrainAndResumeBitwise) {
  ScratchDir dir;
  std::string output;
  ASSERT_EQ(run({kDemoData, "demo.output_dir=" + dir / "demo", "demo.train_images=2200",
                 "demo.val_images=10"},
                dir / "demo.log", &output),
            0)
      << output;
  ASSERT_EQ(
      run({kWsl, "prepare", "prepare.manifest=" + dir / "demo/hashtags/manifest.jsonl",
           "prepare.out=" + dir / "shards", "prepare.vocab_size=1.5k", "prepare.shard_bytes=1"},
          dir / "prepare.log", &output),
      0)
      << output;
  const std::string manifest = read_text(dir / "shards/train/manifest.yaml");
  size_t shards = 0;
  for (size_t at = manifest.find(".h5"); at != std::string::npos;
       at = manifest.find(".h5", at + 1)) {
    ++shards;
  }
  ASSERT_GE(shards, 2000u) << manifest.substr(0, 2000);
  ASSERT_NE(manifest.find("resampling.tsv"), std::string::npos);
  const auto args = [&](const std::string& run_dir, int steps) {
    std::vector<std::string> a = train_args(dir, steps);
    a.push_back("run.dir=" + dir / run_dir);
    a.push_back("data.max_open_shards=64");
    return a;
  };
  ASSERT_EQ(run(args("straight", 4), dir / "straight.log", &output), 0) << output;
  const std::string said = "training shards mapped at once";
  const std::size_t at = output.find(said);
  ASSERT_NE(at, std::string::npos) << output;
  const std::size_t number = output.rfind("at most ", at);
  ASSERT_NE(number, std::string::npos) << output;
  const int mapped = std::stoi(output.substr(number + 8));
  EXPECT_LE(mapped, 64 + 2) << output;
  EXPECT_GT(mapped, 0);
  ASSERT_EQ(run(args("resumed", 2), dir / "resumed1.log", &output), 0) << output;
  ASSERT_EQ(run(args("resumed", 4), dir / "resumed2.log", &output), 0) << output;
  EXPECT_NE(output.find("resuming from"), std::string::npos) << output;
  EXPECT_TRUE(bitwise_equal(final_model(dir / "straight", 4), final_model(dir / "resumed", 4)));
}

TEST(WslTrain, ExportedWeightsStartANewRunThroughInitFrom) {
  ScratchDir dir;
  prepare_demo(dir);
  std::string output;
  ASSERT_EQ(run(train_args(dir, 2), dir / "train.log", &output), 0) << output;
  ASSERT_EQ(
      run({kExport, "weights", "export.checkpoint=" + dir / "run", "export.out=" + dir / "export"},
          dir / "export.log", &output),
      0)
      << output;
  std::vector<std::string> args = train_args(dir, 2);
  args.push_back("init.from=" + dir / "export/model.pth");
  args.push_back("init.exclude=[fc.]");
  args[5] = "run.dir=" + dir / "run2";
  ASSERT_EQ(run(args, dir / "train2.log", &output), 0) << output;
  EXPECT_NE(output.find("tensors loaded, 2 kept at their initial values"), std::string::npos)
      << output;

  // Weights of another architecture: exit 1 and the differences listed.
  args.back() = "model.arch=resnet18";
  args[5] = "run.dir=" + dir / "run3";
  EXPECT_EQ(run(args, dir / "train3.log", &output), 1) << output;
  EXPECT_NE(output.find("does not fit the model"), std::string::npos) << output;
  EXPECT_NE(output.find("model.pth"), std::string::npos) << output;
}

// Damaged image bytes inside a shard: both ranks substitute the bad records (the same number of
// batches on each, so nobody waits forever in a collective) and the run finishes. A shard the
// manifest lists but the disk lacks stops the next run at start, naming it.
TEST(WslTrain, DamagedRecordsAreSubstitutedOnTwoRanksAndAMissingShardStopsTheRun) {
  ScratchDir dir;
  prepare_demo(dir);
  std::vector<std::string> shards;
  for (const auto& entry : fs::directory_iterator(dir / "shards/train")) {
    if (entry.path().extension() == ".h5") shards.push_back(entry.path().string());
  }
  std::sort(shards.begin(), shards.end());
  ASSERT_FALSE(shards.empty());
  uint64_t begin = 0, bytes = 0;
  {
    const data::ShardReader reader(shards.front());
    for (const auto& dataset : reader.layout()) {
      if (dataset.name == data::kImageBytes) {
        begin = dataset.file_offset;
        bytes = dataset.bytes;
      }
    }
  }
  ASSERT_GT(bytes, 0u);
  {
    std::fstream file(shards.front(), std::ios::in | std::ios::out | std::ios::binary);
    for (int i = 1; i <= 8; ++i) {
      file.seekp(static_cast<std::streamoff>(begin + bytes * i / 9));
      file.put('\x5a');
      file.put('\xa5');
    }
  }
  std::string output;
  std::vector<std::string> args = train_args(dir, 6);
  args.push_back("data.threads=1");
  ASSERT_EQ(run(torchrun_command(2, args), dir / "train.log", &output), 0) << output;
  EXPECT_NE(output.find("replaced by a substitute"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(dir / "run/checkpoints/step_6/model.pt")) << output;

  fs::remove(shards.back());
  args[5] = "run.dir=" + dir / "run2";
  EXPECT_EQ(run(args, dir / "train2.log", &output), 1) << output;
  EXPECT_NE(output.find(fs::path(shards.back()).filename().string() + "' is missing"),
            std::string::npos)
      << output;
}

// A full disk (here a file-size limit, as a quota gives) while writing shards or a checkpoint:
// the tool stops with an error naming what it was writing, and what an earlier run wrote (the
// shard set, the last checkpoint) is still whole and used.
TEST(WslFullDisk, ShardsAndCheckpointsFailCleanlyAndKeepWhatWasWritten) {
  ScratchDir dir;
  prepare_demo(dir);
  const std::string manifest = read_text(dir / "shards/train/manifest.yaml");
  std::string output;
  const std::vector<std::string> limited = {"/usr/bin/prlimit", "--fsize=40000"};
  std::vector<std::string> prepare = limited;
  for (const std::string& arg :
       {kWsl, std::string("prepare"), "prepare.manifest=" + dir / "demo/hashtags/manifest.jsonl",
        "prepare.out=" + dir / "shards", std::string("prepare.val_fraction=0.1"),
        std::string("prepare.vocab_size=1.5k"), std::string("prepare.shard_bytes=1000000")}) {
    prepare.push_back(arg);
  }
  EXPECT_EQ(run(prepare, dir / "prepare2.log", &output), 1) << output;
  EXPECT_NE(output.find("File too large"), std::string::npos) << output;
  EXPECT_NE(output.find(dir / "shards"), std::string::npos) << output;
  EXPECT_EQ(read_text(dir / "shards/train/manifest.yaml"), manifest);
  EXPECT_NO_THROW(data::ShardSet(dir / "shards/train").check_files());

  ASSERT_EQ(run(train_args(dir, 2), dir / "train.log", &output), 0) << output;
  const uint64_t model_bytes = fs::file_size(dir / "run/checkpoints/step_2/model.pt");
  std::vector<std::string> train = {"/usr/bin/prlimit",
                                    "--fsize=" + std::to_string(model_bytes / 2)};
  for (const std::string& arg : train_args(dir, 4)) train.push_back(arg);
  EXPECT_EQ(run(train, dir / "train2.log", &output), 1) << output;
  EXPECT_NE(output.find("File too large"), std::string::npos) << output;
  EXPECT_NE(output.find("step_4"), std::string::npos) << output;
  EXPECT_EQ(train::find_resumable_checkpoint(dir / "run"), train::checkpoint_path(dir / "run", 2));
  EXPECT_FALSE(fs::exists(dir / "run/checkpoints/step_4"));
}

TEST(WslCommandLine, UsageAndConfigErrorsExitWithTwo) {
  ScratchDir dir;
  std::string output;
  EXPECT_EQ(run({kWsl, "bogus"}, dir / "a.log", &output), 2) << output;
  EXPECT_EQ(run({kWsl, "prepare"}, dir / "b.log", &output), 2) << output;
  EXPECT_NE(output.find("prepare.manifest"), std::string::npos) << output;
  EXPECT_EQ(run({kWsl, "train"}, dir / "c.log", &output), 2) << output;
  EXPECT_NE(output.find("data.shards"), std::string::npos) << output;
  EXPECT_EQ(run({kWsl, "train", "data.shards=x", "data.resampling=sqrtt"}, dir / "d.log", &output),
            2)
      << output;
  EXPECT_EQ(run({kWsl, "train", "data.shard=x"}, dir / "e.log", &output), 2) << output;
  EXPECT_NE(output.find("did you mean"), std::string::npos) << output;
  EXPECT_EQ(run({kWsl, "prepare", "--help"}, dir / "f.log", &output), 0) << output;
  EXPECT_NE(output.find("prepare.vocab_size"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
