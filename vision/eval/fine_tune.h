// Full fine-tuning, the third ImageNet protocol: the whole backbone plus a new linear head
// trained by the shared Trainer on train with SGD + momentum and a cosine learning rate (per
// step, to 0), bf16 autocast on CUDA, random resized crop + flip augmentation drawn from (seed,
// epoch, position), then scored on val with the evaluation transform. Deliberately short and
// simple: a few epochs of full batches on one process, no checkpoints.
#pragma once

#include <cstdint>
#include <memory>

#include "vision/datasets/imagenet_folder.h"
#include "vision/eval/feature_extractor.h"
#include "vision/eval/imagenet_eval_options.h"
#include "vision/eval/topk_accuracy.h"

namespace ptk::vision {

class ResNetImpl;

struct FineTuneResult {
  TopKAccuracy val;
  int64_t steps = 0;
  double last_loss = 0;  // mean training loss over the last epoch
};

// Trains `model` in place (its head is replaced by one with data.classes.size() outputs) and
// evaluates it on data.val with `eval` (transform, channels, batch, threads, device).
FineTuneResult fine_tune(const std::shared_ptr<ResNetImpl>& model, const ImageFolderSet& data,
                         const ImageBatchOptions& eval, const FineTuneOptions& options);

}  // namespace ptk::vision
