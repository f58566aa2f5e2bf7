// OptionTable: one line per key gives the schema (defaults from the struct, help) and the typed,
// checked read-back; bad values are usage errors naming the key.
#include "common/config/option_table.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "common/base/error.h"

namespace ptk::config {
namespace {

enum class Shape { kRound, kSquare };

constexpr EnumName<Shape> kShapeNames[] = {{Shape::kRound, "round"}, {Shape::kSquare, "square"}};

const char* shape_name(Shape shape) { return shape == Shape::kRound ? "round" : "square"; }

Shape parse_shape(const std::string& name) {
  if (name == "round") return Shape::kRound;
  if (name == "square") return Shape::kSquare;
  throw usage_error("unknown shape '" + name + "'");
}

struct Launch {
  int rank = -1;
  std::string host;
};

struct Options {
  int64_t batch = 256;
  int threads = 4;
  uint64_t seed = 7;
  double lr = 0.1;
  bool nesterov = true;
  std::string device = "auto";
  std::string dir = "runs/default";
  std::vector<int64_t> milestones{30, 60};
  std::vector<double> betas{0.9, 0.999};
  std::vector<std::string> no_decay;
  Shape shape = Shape::kSquare;
  Shape other_shape = Shape::kRound;
  std::array<float, 2> pair{0.5f, 2.0f};
  Launch launch;
};

// Two floats as a float list of exactly two values.
Codec<std::array<float, 2>, std::vector<double>> two_floats() {
  return {[](const std::array<float, 2>& v) { return std::vector<double>(v.begin(), v.end()); },
          [](const std::string& key, const std::vector<double>& v) {
            if (v.size() != 2) throw usage_error(key + " must list 2 values");
            return std::array<float, 2>{static_cast<float>(v[0]), static_cast<float>(v[1])};
          }};
}

OptionTable<Options> table() {
  OptionTable<Options> t;
  t.add("train.batch", &Options::batch, "samples per step", at_least(1))
      .add("train.threads", &Options::threads, "threads; 0 = default", at_least(0))
      .add("train.seed", &Options::seed, "seed")
      .add("optim.lr", &Options::lr, "peak LR", above(0), at_most(10))
      .add("optim.nesterov", &Options::nesterov, "Nesterov momentum")
      .add("train.device", &Options::device, "auto | cpu | cuda", one_of({"auto", "cpu", "cuda"}))
      .add("run.dir", &Options::dir, "run directory", non_empty())
      .add("schedule.milestones", &Options::milestones, "step decay milestones")
      .add("optim.betas", &Options::betas, "betas",
           satisfies([](const std::vector<double>& b) { return b.size() == 2; },
                     "must hold two values"))
      .add("optim.no_decay", &Options::no_decay, "exempt from weight decay")
      .add("model.shape", &Options::shape, "round | square", names(kShapeNames, "shape"))
      .add("model.other_shape", &Options::other_shape, "round | square",
           parsed(parse_shape, shape_name))
      .add("model.pair", &Options::pair, "two scales", two_floats())
      .add("dist.rank", nested(&Options::launch, &Launch::rank), "rank; -1 = from the env",
           at_least(-1))
      .add(
          "dist.host", [](Options& o) -> std::string& { return o.launch.host; }, "host");
  return t;
}

Config resolved(const std::vector<std::string>& overrides) {
  return resolve(table().schema(), "", overrides);
}

std::string usage_message(const std::vector<std::string>& overrides) {
  try {
    table().read(resolved(overrides));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

TEST(OptionTable, SchemaTakesDefaultsFromTheStructAndHelpFromTheTable) {
  const Schema schema = table().schema();
  EXPECT_EQ(schema.options().size(), 15u);
  EXPECT_EQ(std::get<int64_t>(schema.find("train.batch")->default_value), 256);
  EXPECT_EQ(std::get<int64_t>(schema.find("train.threads")->default_value), 4);
  EXPECT_EQ(std::get<int64_t>(schema.find("train.seed")->default_value), 7);
  EXPECT_DOUBLE_EQ(std::get<double>(schema.find("optim.lr")->default_value), 0.1);
  EXPECT_TRUE(std::get<bool>(schema.find("optim.nesterov")->default_value));
  EXPECT_EQ(std::get<std::string>(schema.find("train.device")->default_value), "auto");
  EXPECT_EQ(std::get<std::vector<int64_t>>(schema.find("schedule.milestones")->default_value),
            (std::vector<int64_t>{30, 60}));
  EXPECT_TRUE(
      std::get<std::vector<std::string>>(schema.find("optim.no_decay")->default_value).empty());
  EXPECT_EQ(std::get<std::string>(schema.find("model.shape")->default_value), "square");
  EXPECT_EQ(std::get<std::string>(schema.find("model.other_shape")->default_value), "round");
  EXPECT_EQ(std::get<std::vector<double>>(schema.find("model.pair")->default_value),
            (std::vector<double>{0.5, 2.0}));
  EXPECT_EQ(std::get<int64_t>(schema.find("dist.rank")->default_value), -1);
  EXPECT_EQ(std::get<std::string>(schema.find("dist.host")->default_value), "");
  EXPECT_EQ(schema.find("train.batch")->help, "samples per step");
  EXPECT_NE(schema.help().find("auto | cpu | cuda"), std::string::npos);
}

TEST(OptionTable, DefaultsReadBackAsTheDefaultStruct) {
  const Options read = table().read(resolved({}));
  const Options defaults;
  EXPECT_EQ(read.batch, defaults.batch);
  EXPECT_EQ(read.threads, defaults.threads);
  EXPECT_EQ(read.seed, defaults.seed);
  EXPECT_DOUBLE_EQ(read.lr, defaults.lr);
  EXPECT_EQ(read.milestones, defaults.milestones);
  EXPECT_EQ(read.shape, defaults.shape);
  EXPECT_EQ(read.other_shape, defaults.other_shape);
  EXPECT_EQ(read.pair, defaults.pair);
  EXPECT_EQ(read.launch.rank, defaults.launch.rank);
}

TEST(OptionTable, ReadFillsEveryFieldTyped) {
  const Options o = table().read(resolved(
      {"train.batch=64", "train.threads=2", "train.seed=9", "optim.lr=1", "optim.nesterov=false",
       "train.device=cuda", "run.dir=/tmp/x", "schedule.milestones=[5, 10]",
       "optim.betas=[0.8, 0.95]", "optim.no_decay=[bias]", "model.shape=round",
       "model.other_shape=square", "model.pair=[1, 3]", "dist.rank=3", "dist.host=10.0.0.1"}));
  EXPECT_EQ(o.batch, 64);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.seed, 9u);
  EXPECT_DOUBLE_EQ(o.lr, 1.0);  // an int where a float is declared is widened
  EXPECT_FALSE(o.nesterov);
  EXPECT_EQ(o.device, "cuda");
  EXPECT_EQ(o.dir, "/tmp/x");
  EXPECT_EQ(o.milestones, (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(o.betas, (std::vector<double>{0.8, 0.95}));
  EXPECT_EQ(o.no_decay, (std::vector<std::string>{"bias"}));
  EXPECT_EQ(o.shape, Shape::kRound);
  EXPECT_EQ(o.other_shape, Shape::kSquare);
  EXPECT_EQ(o.pair, (std::array<float, 2>{1.0f, 3.0f}));
  EXPECT_EQ(o.launch.rank, 3);
  EXPECT_EQ(o.launch.host, "10.0.0.1");
}

TEST(OptionTable, ChecksAreUsageErrorsNamingTheKeyAndTheValue) {
  EXPECT_EQ(usage_message({"train.batch=0"}), "train.batch must be >= 1, got 0");
  EXPECT_EQ(usage_message({"optim.lr=0"}), "optim.lr must be > 0, got 0");
  EXPECT_EQ(usage_message({"optim.lr=11.5"}), "optim.lr must be <= 10, got 11.5");
  EXPECT_EQ(usage_message({"optim.lr=.nan"}), "optim.lr must be > 0, got nan");
  EXPECT_EQ(usage_message({"train.device=tpu"}),
            "train.device must be one of auto | cpu | cuda, got 'tpu'");
  EXPECT_EQ(usage_message({"run.dir="}), "run.dir must not be empty");
  EXPECT_EQ(usage_message({"optim.betas=[0.9]"}), "optim.betas must hold two values");
  EXPECT_EQ(usage_message({"model.shape=oval"}),
            "model.shape: unknown shape 'oval' (expected round or square)");
  EXPECT_EQ(usage_message({"model.other_shape=oval"}), "model.other_shape: unknown shape 'oval'");
  EXPECT_EQ(usage_message({"model.pair=[1]"}), "model.pair must list 2 values");
  EXPECT_EQ(usage_message({"dist.rank=-2"}), "dist.rank must be >= -1, got -2");
}

TEST(OptionTable, IntegersThatDoNotFitTheFieldAreUsageErrors) {
  EXPECT_EQ(usage_message({"train.threads=4294967296"}),
            "train.threads must be <= 2147483647, got 4294967296");
  EXPECT_EQ(usage_message({"train.seed=-1"}), "train.seed must be >= 0, got -1");
}

TEST(OptionTable, TheFirstBadKeyInTableOrderIsReported) {
  EXPECT_EQ(usage_message({"dist.rank=-5", "train.batch=0"}), "train.batch must be >= 1, got 0");
}

TEST(OptionTable, RangeBoundsAndNotes) {
  const auto closed = in_range(0.0, 1.0);
  const auto half_open = in_range(0.0, 1.0, "[)");
  const auto open = in_range(0.0, 1.0, "()");
  EXPECT_NO_THROW(closed("k", 1.0));
  EXPECT_NO_THROW(half_open("k", 0.0));
  EXPECT_THROW(open("k", 0.0), Error);
  try {
    half_open("prepare.val_fraction", 1.0);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "prepare.val_fraction must be in [0, 1), got 1");
  }
  try {
    at_least(0.0, "0 = off")("train.clip_norm", -0.5);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "train.clip_norm must be >= 0 (0 = off), got -0.5");
  }
}

TEST(OptionTable, AKeyDeclaredTwiceIsAnError) {
  OptionTable<Options> t;
  t.add("train.batch", &Options::batch, "a").add("train.batch", &Options::threads, "b");
  EXPECT_THROW(t.schema(), Error);
}

// A section struct may extend the options it fills with keys that only feed a derivation.
struct Section : Options {
  double warmup_fraction = 0.0;
};

TEST(OptionTable, MemberPointersOfABaseBindFieldsOfTheSection) {
  OptionTable<Section> t;
  t.add("train.batch", &Options::batch, "samples per step")
      .add("schedule.warmup_fraction", &Section::warmup_fraction, "share of the steps");
  const Section s = t.read(resolve(t.schema(), "", {"schedule.warmup_fraction=0.25"}));
  EXPECT_EQ(s.batch, 256);
  EXPECT_DOUBLE_EQ(s.warmup_fraction, 0.25);
}

}  // namespace
}  // namespace ptk::config
