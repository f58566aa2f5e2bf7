#include "vision/eval/fine_tune.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <cmath>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/data/epoch_order.h"
#include "common/data/philox.h"
#include "vision/models/resnet.h"

namespace ptk::vision {

namespace {

// Training images at positions [begin, end) of `order`, augmented, on `threads` threads.
at::Tensor augmented_batch(const std::vector<LabeledImage>& images,
                           const std::vector<int64_t>& order, size_t begin, size_t end,
                           const TrainTransform& transform, uint64_t seed, uint64_t epoch,
                           int threads, at::Tensor* labels) {
  const int64_t n = static_cast<int64_t>(end - begin);
  const int64_t side = transform.output_size;
  at::Tensor batch = at::empty({n, 3, side, side}, at::kFloat);
  *labels = at::empty({n}, at::kLong);
  float* data = batch.data_ptr<float>();
  int64_t* label_data = labels->data_ptr<int64_t>();
  const size_t floats = transform.output_floats();
  parallel_for(n, threads, [&](int64_t j) {
    const LabeledImage& image = images[order[begin + j]];
    const std::vector<uint8_t> bytes = read_file_bytes(image.path);
    data::SampleRng rng(seed, epoch, begin + j);
    transform.apply(bytes.data(), bytes.size(), image.path, rng, data + j * floats);
    label_data[j] = image.label;
  });
  return batch;
}

}  // namespace

FineTuneResult fine_tune(const std::shared_ptr<ResNetImpl>& model, const ImageFolderSet& data,
                         const ImageBatchOptions& eval, const FineTuneOptions& options) {
  if (data.train.empty() || data.val.empty()) throw Error("fine-tuning needs train and val images");
  TrainTransform transform;
  transform.output_size = eval.transform.crop_size;
  transform.scale = {options.min_scale, 1.0};
  transform.hflip = options.hflip;
  transform.normalization = eval.transform.normalization;
  transform.validate();

  model->replace_head(static_cast<int64_t>(data.classes.size()));
  model->to(eval.device);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(options.lr)
                                                       .momentum(options.momentum)
                                                       .weight_decay(options.weight_decay));
  const size_t n = data.train.size();
  const size_t batch = std::min<size_t>(static_cast<size_t>(options.batch), n);
  const int64_t steps_per_epoch = static_cast<int64_t>(n / batch);  // drop the last partial one
  const int64_t total_steps = steps_per_epoch * options.epochs;
  FineTuneResult result;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    model->train();
    const data::FeistelPermutation permutation(n, options.seed + static_cast<uint64_t>(epoch));
    std::vector<int64_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<int64_t>(permutation(i));
    double loss_sum = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      const double progress = static_cast<double>(result.steps) / static_cast<double>(total_steps);
      const double lr = 0.5 * options.lr * (1.0 + std::cos(M_PI * progress));
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
      at::Tensor labels;
      at::Tensor images =
          augmented_batch(data.train, order, s * batch, (s + 1) * batch, transform, options.seed,
                          static_cast<uint64_t>(epoch), eval.threads, &labels);
      if (eval.channels == 1) images = images.mean(1, /*keepdim=*/true);
      optimizer.zero_grad();
      const at::Tensor loss =
          at::cross_entropy_loss(model->forward(images.to(eval.device)), labels.to(eval.device));
      if (!std::isfinite(loss.item<double>())) {
        throw Error("fine-tuning diverged (non-finite loss at step " +
                    std::to_string(result.steps) + "); lower finetune.lr");
      }
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++result.steps;
    }
    result.last_loss = loss_sum / static_cast<double>(std::max<int64_t>(1, steps_per_epoch));
    spdlog::info("fine-tune: epoch {}/{} mean loss {:.4f}", epoch + 1, options.epochs,
                 result.last_loss);
  }
  model->eval();
  const at::Tensor logits = map_images(data.val, eval, [&](const at::Tensor& x) {
    at::NoGradGuard no_grad;
    return model->forward(x);
  });
  result.val = topk_accuracy(logits, image_labels(data.val));
  return result;
}

}  // namespace ptk::vision
