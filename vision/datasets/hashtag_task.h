// HashtagTask: the wsl recipe's ptk::train::Task. A ResNet/ResNeXt with one output per
// vocabulary class predicts an image's hashtags from an image shard set (as `ptk-wsl prepare`
// writes it); loss is softmax cross-entropy against the k-hot / k target (or per-class
// sigmoid); metrics are hashtag top-1 / top-5 as sums and counts. Training samples follow the
// data layer's epoch order (shuffled, or weighted for square-root / uniform resampling), laid
// out by HashtagStream, so the sample sequence depends only on (seed, epoch, position).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/data/epoch_order.h"
#include "common/data/shard_reader.h"
#include "common/train/task.h"
#include "vision/datasets/hashtag_task_options.h"
#include "vision/hashtags/hashtag_vocab.h"

namespace ptk::vision {

class ResNetImpl;

class HashtagTask : public train::Task {
 public:
  // Opens the shard sets (no shard is mapped yet), reads their vocabulary and, for sqrt /
  // uniform resampling, the per-shard resampling summary, and builds the model. Errors name the
  // shard set, file or option that is wrong.
  explicit HashtagTask(HashtagTaskOptions options);
  ~HashtagTask() override;

  torch::nn::Module& model() override;
  train::LossOutput compute_loss(const train::Batch& batch) override;
  // On CUDA the model and its input batches go channels_last (NHWC, what cuDNN's tensor-core
  // convolutions read directly).
  void moved_to(const c10::Device& device) override;
  int64_t samples_per_epoch() const override;
  std::unique_ptr<train::BatchStream> open_train_stream(const train::StreamSpec& spec) override;
  // Hashtag top-1 / top-5 and loss over the validation shard set (data.val_shards), split over
  // ranks; empty when there is none.
  std::map<std::string, dist::SumCount> evaluate(const train::EvalContext& context) override;

  const HashtagVocab& vocab() const { return vocab_; }
  const data::EpochOrder& order() const { return *order_; }
  const data::ShardSet& train_shards() const { return *train_; }

 private:
  HashtagTaskOptions options_;
  std::shared_ptr<const data::ShardSet> train_;
  std::shared_ptr<const data::ShardSet> val_;
  HashtagVocab vocab_;
  std::shared_ptr<const data::EpochOrder> order_;  // shared by every stream and micro-step
  std::shared_ptr<ResNetImpl> model_;
  bool channels_last_ = false;

  // `images` in the layout the model's weights use.
  at::Tensor input_layout(const at::Tensor& images) const;
};

// The vocabulary of a shard set: the file its manifest lists as "vocabulary".
HashtagVocab read_shard_vocab(const data::ShardSet& shards);

}  // namespace ptk::vision
