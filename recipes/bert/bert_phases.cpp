#include "recipes/bert/bert_phases.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "common/base/error.h"
#include "common/config/option_table.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

// phases.* as written: each list is empty (the single key's value for every phase) or holds one
// entry per phase.
struct PhaseLists {
  std::vector<int64_t> steps, global_batch, accumulation, max_seq_length, max_predictions;
  std::vector<double> lr;
  std::vector<int64_t> warmup_steps;
};

config::OptionTable<PhaseLists> phases_table() {
  using P = PhaseLists;
  config::OptionTable<P> t;
  t.add("phases.steps", &P::steps,
        "optimizer steps of each phase, e.g. [7038, 1563]; empty = one phase of train.steps")
      .add("phases.global_batch", &P::global_batch,
           "global batch of each phase; empty = train.global_batch")
      .add("phases.accumulation", &P::accumulation,
           "micro-steps per optimizer step of each phase; empty = train.accumulation")
      .add("phases.max_seq_length", &P::max_seq_length,
           "sequence length of each phase, e.g. [128, 512]; empty = data.max_seq_length")
      .add("phases.max_predictions", &P::max_predictions,
           "masking cap of each phase, e.g. [20, 80]; empty = masking.max_predictions")
      .add("phases.lr", &P::lr,
           "peak LR of each phase; empty = optim.lr (or optim.lr_per_256 scaled)")
      .add("phases.warmup_steps", &P::warmup_steps,
           "warmup steps of each phase; empty = schedule.warmup_steps / warmup_fraction");
  return t;
}

}  // namespace

config::Schema bert_phases_schema() { return phases_table().schema(); }

std::vector<BertPhase> bert_phases(const config::Config& config) {
  const std::string run_dir = config.get_string("run.dir");
  const PhaseLists lists = phases_table().read(config);
  std::vector<int64_t> steps = lists.steps;
  const bool single = steps.empty();
  if (single) steps = {config.get_int("train.steps")};
  const size_t n = steps.size();
  auto ints = [&](const char* list_key, std::vector<int64_t> values, const char* single_key) {
    if (single && !values.empty()) {
      throw usage_error("{} is set but phases.steps is empty", list_key);
    }
    if (values.empty()) values.assign(n, config.get_int(single_key));
    if (values.size() != n) {
      throw usage_error("{} has {} entries but phases.steps has {}", list_key, values.size(), n);
    }
    return values;
  };
  const std::vector<int64_t> batches =
      ints("phases.global_batch", lists.global_batch, "train.global_batch");
  const std::vector<int64_t> accumulations =
      ints("phases.accumulation", lists.accumulation, "train.accumulation");
  const std::vector<int64_t> lengths =
      ints("phases.max_seq_length", lists.max_seq_length, "data.max_seq_length");
  const std::vector<int64_t> caps =
      ints("phases.max_predictions", lists.max_predictions, "masking.max_predictions");
  const std::vector<double>& lrs = lists.lr;
  const std::vector<int64_t>& warmups = lists.warmup_steps;
  for (const auto& [key, size] : {std::pair<const char*, size_t>{"phases.lr", lrs.size()},
                                  {"phases.warmup_steps", warmups.size()}}) {
    if (size != 0 && (single || size != n)) {
      throw usage_error("{} has {} entries but phases.steps has {}", key, size, single ? 0 : n);
    }
  }
  std::vector<BertPhase> phases;
  for (size_t i = 0; i < n; ++i) {
    BertPhase p;
    p.index = static_cast<int>(i + 1);
    p.steps = steps[i];
    p.global_batch = batches[i];
    p.accumulation = accumulations[i];
    p.max_seq_length = lengths[i];
    p.max_predictions = caps[i];
    p.lr = lrs.empty() ? 0.0 : lrs[i];
    p.warmup_steps = warmups.empty() ? -1 : warmups[i];
    const std::string where = single ? "" : fmt::format(" (phase {})", p.index);
    if (p.steps < 1) throw usage_error("phases.steps must be >= 1{}", where);
    if (p.global_batch < 1) throw usage_error("phases.global_batch must be >= 1{}", where);
    if (p.accumulation < 1) throw usage_error("phases.accumulation must be >= 1{}", where);
    if (p.max_seq_length < 8) throw usage_error("phases.max_seq_length must be >= 8{}", where);
    if (p.max_predictions < 1) throw usage_error("phases.max_predictions must be >= 1{}", where);
    if (p.lr < 0) throw usage_error("phases.lr must be > 0{}", where);
    if (!warmups.empty() && p.warmup_steps < 0) {
      throw usage_error("phases.warmup_steps must be >= 0{}", where);
    }
    p.run_dir = (fs::path(run_dir) / fmt::format("phase{}", p.index)).string();
    phases.push_back(p);
  }
  return phases;
}

std::vector<int64_t> phase_lengths(const config::Config& config) {
  std::vector<int64_t> lengths;
  for (const BertPhase& phase : bert_phases(config)) lengths.push_back(phase.max_seq_length);
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  return lengths;
}

std::string shard_dir_for_length(const std::string& dir, int64_t length) {
  return (fs::path(dir) / fmt::format("seq{}", length)).string();
}

std::string resolve_phase_shards(const config::Config& config, const BertPhase& phase) {
  std::string base = config.get_string("data.shards");
  if (base.empty() && config.has("prepare.out")) base = config.get_string("prepare.out");
  if (base.empty()) {
    throw usage_error("data.shards is required (a token shard set, or ptk-bert prepare's out)");
  }
  const std::string per_length = shard_dir_for_length(base, phase.max_seq_length);
  if (fs::exists(fs::path(per_length) / "manifest.yaml")) return per_length;
  if (fs::exists(fs::path(base) / "manifest.yaml")) return base;
  throw usage_error(
      "data.shards: neither '{}/manifest.yaml' nor '{}/manifest.yaml' exists (run `ptk-bert "
      "prepare` with the same phases first)",
      per_length, base);
}

config::Config phase_config(const config::Config& config, const BertPhase& phase) {
  config::Config c = config.with("train.steps", config::Value(phase.steps))
                         .with("train.global_batch", config::Value(phase.global_batch))
                         .with("train.accumulation", config::Value(phase.accumulation))
                         .with("data.max_seq_length", config::Value(phase.max_seq_length))
                         .with("masking.max_predictions", config::Value(phase.max_predictions))
                         .with("run.dir", config::Value(phase.run_dir));
  if (phase.lr > 0) c = c.with("optim.lr", config::Value(phase.lr));
  if (phase.warmup_steps >= 0) {
    c = c.with("schedule.warmup_steps", config::Value(phase.warmup_steps))
            .with("schedule.warmup_fraction", config::Value(0.0));
  }
  return c;
}

}  // namespace ptk::recipes
