// Training phases of the bert recipe: BERT trains 90% of its steps at sequence length 128 and
// the rest at 512, each phase with its own global batch, accumulation, masking cap, peak LR and
// warmup (NVIDIA's LAMB recipe: 7,038 steps of 65,536 x 128 at 6e-3, then 1,563 of 32,768 x 512
// at 4e-3). Each phase is its own Trainer run in <run.dir>/phase<k> (checkpoints, metrics); phase
// k > 1 starts from the weights of phase k-1's final checkpoint with a fresh optimizer and
// schedule, as the original recipe's second run started from the first one's checkpoint. So a
// run resumes exactly: finished phases are skipped, the current one resumes from its own
// checkpoint. Torch-free: `prepare` reads the phases to know which lengths to pack.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::recipes {

struct BertPhase {
  int index = 1;  // 1-based
  int64_t steps = 0;
  int64_t global_batch = 0;
  int64_t accumulation = 1;
  int64_t max_seq_length = 0;
  int64_t max_predictions = 0;
  double lr = 0;              // 0 = optim.lr / optim.lr_per_256 as configured
  int64_t warmup_steps = -1;  // -1 = schedule.warmup_steps / warmup_fraction as configured
  std::string run_dir;        // <run.dir>/phase<index>
};

// phases.* keys.
config::Schema bert_phases_schema();

// The phases of a run. Without phases.steps, one phase from train.steps, train.global_batch,
// data.max_seq_length and masking.max_predictions. With it, every other phases.* list is empty
// (the single key's value for every phase) or as long as phases.steps. usage_error naming the key
// otherwise, or for non-positive values.
std::vector<BertPhase> bert_phases(const config::Config& config);

// The distinct sequence lengths of the phases, ascending: the shard sets prepare writes.
std::vector<int64_t> phase_lengths(const config::Config& config);

// <dir>/seq<length>: where prepare writes the shard set of one length.
std::string shard_dir_for_length(const std::string& dir, int64_t length);

// The shard set a phase trains on: data.shards (or prepare.out when it is empty), either a
// directory of seq<L>/ sets or a shard set itself. usage_error when there is none.
std::string resolve_phase_shards(const config::Config& config, const BertPhase& phase);

// The config one phase's Trainer and BertTask run with: train.steps, train.global_batch,
// train.accumulation,
// data.max_seq_length, data.shards, masking.max_predictions, run.dir, and optim.lr /
// schedule.warmup_steps (with schedule.warmup_fraction 0) where the phase sets them.
config::Config phase_config(const config::Config& config, const BertPhase& phase);

}  // namespace ptk::recipes
