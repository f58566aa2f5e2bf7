#include "vision/eval/fine_tune.h"

#include <ATen/ATen.h>

#include <utility>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/data/philox.h"
#include "common/data/shuffled_index_stream.h"
#include "common/train/trainer.h"
#include "vision/models/resnet.h"

namespace ptk::vision {

namespace {

// The training images of one micro-batch, augmented with randomness drawn from (seed, epoch,
// position in the epoch), decoded on `threads` threads.
train::Batch augmented_batch(const std::vector<LabeledImage>& images,
                             const train::SampleSlice& slice, const std::vector<int64_t>& indices,
                             const TrainTransform& transform, uint64_t seed,
                             const ImageBatchOptions& eval) {
  const int64_t n = static_cast<int64_t>(indices.size());
  const int64_t side = transform.output_size;
  at::Tensor pixels = at::empty({n, 3, side, side}, at::kFloat);
  at::Tensor labels = at::empty({n}, at::kLong);
  float* data = pixels.data_ptr<float>();
  int64_t* label_data = labels.data_ptr<int64_t>();
  const size_t floats = transform.output_floats();
  parallel_for(n, eval.threads, [&](int64_t j) {
    const LabeledImage& image = images[static_cast<size_t>(indices[static_cast<size_t>(j)])];
    const std::vector<uint8_t> bytes = read_file_bytes(image.path);
    data::SampleRng rng(seed, static_cast<uint64_t>(slice.epoch),
                        static_cast<uint64_t>(slice.first + j));
    transform.apply(bytes.data(), bytes.size(), image.path, rng, data + j * floats);
    label_data[j] = image.label;
  });
  if (eval.channels == 1) pixels = pixels.mean(1, /*keepdim=*/true);
  train::Batch batch;
  batch.fields = {{"images", pixels}, {"labels", labels}};
  batch.size = n;
  return batch;
}

class FineTuneTask : public train::Task {
 public:
  FineTuneTask(std::shared_ptr<ResNetImpl> model, const ImageFolderSet& data,
               TrainTransform transform, const ImageBatchOptions& eval, uint64_t seed)
      : model_(std::move(model)),
        data_(data),
        transform_(std::move(transform)),
        eval_(eval),
        seed_(seed) {}

  torch::nn::Module& model() override { return *model_; }

  train::LossOutput compute_loss(const train::Batch& batch) override {
    const at::Tensor logits = model_->forward(batch.at("images"));
    const at::Tensor& labels = batch.at("labels");
    train::LossOutput output;
    output.loss = at::cross_entropy_loss(logits, labels);
    const double correct = logits.argmax(1).eq(labels).sum().item<double>();
    output.metrics["top1"] = {correct, static_cast<double>(batch.size)};
    return output;
  }

  int64_t samples_per_epoch() const override { return static_cast<int64_t>(data_.train.size()); }

  std::unique_ptr<train::BatchStream> open_train_stream(const train::StreamSpec& spec) override {
    return data::open_shuffled_index_stream(
        spec, seed_, [this](const train::SampleSlice& slice, const std::vector<int64_t>& indices) {
          return augmented_batch(data_.train, slice, indices, transform_, seed_, eval_);
        });
  }

 private:
  std::shared_ptr<ResNetImpl> model_;
  const ImageFolderSet& data_;
  TrainTransform transform_;
  const ImageBatchOptions& eval_;
  uint64_t seed_;
};

// SGD + momentum, cosine from the peak LR to 0 over all steps; a non-finite loss stops the run
// at once.
train::TrainerSettings fine_tune_settings(const FineTuneOptions& options, int64_t images) {
  train::TrainerSettings settings = train::in_memory_run_settings(
      options.batch, images, options.epochs, static_cast<int64_t>(options.seed));
  settings.train.max_bad_steps = 0;
  settings.optimizer.name = "sgd";
  settings.optimizer.lr = options.lr;
  settings.optimizer.momentum = options.momentum;
  settings.optimizer.nesterov = false;
  settings.optimizer.weight_decay = options.weight_decay;
  settings.schedule.name = "cosine";
  return settings;
}

}  // namespace

FineTuneResult fine_tune(const std::shared_ptr<ResNetImpl>& model, const ImageFolderSet& data,
                         const ImageBatchOptions& eval, const FineTuneOptions& options) {
  fail_if(data.train.empty() || data.val.empty(), "fine-tuning needs train and val images");
  TrainTransform transform;
  transform.output_size = eval.transform.crop_size;
  transform.scale = {options.min_scale, 1.0};
  transform.hflip = options.hflip;
  transform.normalization = eval.transform.normalization;
  transform.validate();

  model->replace_head(static_cast<int64_t>(data.classes.size()));
  FineTuneTask task(model, data, transform, eval, options.seed);
  const train::TrainResult trained =
      train::Trainer(fine_tune_settings(options, static_cast<int64_t>(data.train.size())),
                     train::single_process_setup(eval.device))
          .fit(task);
  FineTuneResult result;
  result.steps = trained.final_step;
  result.last_loss = trained.train.count("loss") ? trained.train.at("loss") : 0.0;

  model->eval();
  const at::Tensor logits = map_images(data.val, eval, [&](const at::Tensor& x) {
    at::NoGradGuard no_grad;
    return model->forward(x);
  });
  result.val = topk_accuracy(logits, image_labels(data.val));
  return result;
}

}  // namespace ptk::vision
