// `ptk-eval imagenet`: evaluates a backbone on an ImageNet-layout folder with the linear probe,
// kNN and/or fine-tuning, reusing cached frozen features when the same weights, transform and
// data were seen before, and reports results.json + results.md in eval.out.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// eval.*, linear.*, knn.*, finetune.* (vision::imagenet_eval_schema()).
config::Schema imagenet_schema();

// Runs the evaluation as configured; prints the summary paragraph. Returns the exit code.
int run_imagenet_eval(const config::Config& config);

}  // namespace ptk::recipes
