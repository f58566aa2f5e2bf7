#include "text/glue/glue_training.h"

#include <cmath>
#include <memory>
#include <utility>

#include "common/base/error.h"
#include "common/data/shuffled_index_stream.h"

namespace ptk::text::glue {
namespace {

class GlueTrainTask : public train::Task {
 public:
  GlueTrainTask(BertForSequenceClassification model, const std::vector<EncodedExample>& examples,
                uint64_t seed, int64_t pad, bool regression)
      : model_(std::move(model)),
        examples_(examples),
        seed_(seed),
        pad_(pad),
        regression_(regression) {}

  torch::nn::Module& model() override { return *model_; }

  train::LossOutput compute_loss(const train::Batch& batch) override {
    train::LossOutput output;
    output.loss = sequence_classification_loss(
        model_->forward(batch.at("input_ids"), batch.at("token_type_ids"),
                        batch.at("attention_mask")),
        batch.at("labels"));
    return output;
  }

  int64_t samples_per_epoch() const override { return static_cast<int64_t>(examples_.size()); }

  std::unique_ptr<train::BatchStream> open_train_stream(const train::StreamSpec& spec) override {
    return data::open_shuffled_index_stream(
        spec, seed_, [this](const train::SampleSlice&, const std::vector<int64_t>& indices) {
          return make_glue_batch(examples_, indices, pad_, regression_);
        });
  }

 private:
  BertForSequenceClassification model_;
  const std::vector<EncodedExample>& examples_;
  uint64_t seed_;
  int64_t pad_;
  bool regression_;
};

train::TrainerSettings glue_trainer_settings(double lr, const GlueFinetuneOptions& options,
                                             int64_t examples) {
  train::TrainerSettings settings = train::in_memory_run_settings(
      options.batch, examples, options.epochs, static_cast<int64_t>(options.seed));
  settings.train.clip_norm = 1.0;
  settings.optimizer.name = "adamw";
  settings.optimizer.lr = lr;
  settings.optimizer.weight_decay = options.weight_decay;
  settings.optimizer.eps = 1e-8;  // torch.optim.AdamW's, as HF's Trainer uses it
  settings.optimizer.no_decay_patterns = {"bias", "LayerNorm"};
  settings.schedule.name = "linear";
  settings.schedule.warmup_steps = static_cast<int64_t>(
      std::llround(options.warmup_fraction * static_cast<double>(settings.train.steps)));
  return settings;
}

}  // namespace

train::TrainResult train_glue_model(BertForSequenceClassification& model,
                                    const std::vector<EncodedExample>& train, double lr,
                                    const GlueFinetuneOptions& options, int64_t pad,
                                    bool regression) {
  fail_if(train.empty(), "GLUE fine-tuning needs at least one training example");
  GlueTrainTask task(model, train, options.seed, pad, regression);
  return train::Trainer(glue_trainer_settings(lr, options, static_cast<int64_t>(train.size())),
                        train::single_process_setup(c10::Device(options.device)))
      .fit(task);
}

}  // namespace ptk::text::glue
