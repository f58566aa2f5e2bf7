// BertTask: masked-LM (+ next-sentence) pretraining as a ptk::train::Task. The model is an
// HF-exact BertForPreTraining sized by the options with the tokenizer's vocabulary; training
// samples come from a token shard set (ptk-bert prepare / CorpusBuilder) in the data layer's
// epoch order, masked dynamically with a SampleRng keyed by (seed, epoch, position), so the
// sample sequence and its masks depend only on the position and resume exactly. Loss: mean MLM
// cross-entropy over the micro-batch's masked positions, plus NSP cross-entropy over the
// samples that have an NSP label; metrics mlm_acc, nsp_acc, mlm_loss, nsp_loss as sums/counts.
// The MLM mean is per micro-batch (as Google's per-core loss), so N ranks match one rank with
// the same global batch up to the spread of mask counts between micro-batches, not bitwise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/data/epoch_order.h"
#include "common/data/shard_reader.h"
#include "common/train/task.h"
#include "text/masking/masking_policy.h"
#include "text/pretraining/bert_sample.h"
#include "text/pretraining/bert_task_options.h"
#include "text/tokenizers/pretraining_vocab.h"

namespace ptk::text {

class BertForPreTrainingImpl;

class BertTask : public train::Task {
 public:
  // Opens the shard set and its vocabulary (vocab.tsv; checking the shard attributes' tokenizer
  // hash and packing length against them), estimates the most-frequent-token baseline, and
  // builds the model (call after setup_training so initialisation is seeded).
  // Errors name the shard set, file or option that is wrong.
  explicit BertTask(BertTaskOptions options);
  ~BertTask() override;

  torch::nn::Module& model() override;
  // HF checkpoints (BertModel, BertForPreTraining, BertForMaskedLM) under this model's keys.
  io::StateDict adapt_imported_weights(io::StateDict state) const override;
  train::LossOutput compute_loss(const train::Batch& batch) override;
  int64_t samples_per_epoch() const override;
  std::unique_ptr<train::BatchStream> open_train_stream(const train::StreamSpec& spec) override;

  // Replaces the model's weights with those of a checkpoint directory (its model.pt), e.g. the
  // last checkpoint of the previous phase. Strict: every key must match.
  void load_weights(const std::string& checkpoint_dir);

  const PretrainingVocab& vocab() const { return vocab_; }
  const MlmBaseline& baseline() const { return baseline_; }
  const data::ShardSet& shards() const { return *shards_; }
  bool has_nsp() const { return has_nsp_; }

 private:
  BertTaskOptions options_;
  std::shared_ptr<const data::ShardSet> shards_;
  PretrainingVocab vocab_;
  MaskingVocab masking_;
  MlmBaseline baseline_;
  bool has_nsp_ = false;
  std::unique_ptr<data::EpochOrder> order_;
  std::shared_ptr<BertForPreTrainingImpl> model_;
};

// The vocab.tsv of a token shard set, checked against the shards' tokenizer_hash attribute.
// Errors name the file.
PretrainingVocab read_shard_vocab(const data::ShardSet& shards);

}  // namespace ptk::text
