// What `ptk-eval imagenet` does, read from the eval.*, linear.*, knn.* and finetune.* config keys:
// which backbone (a checkpoint, the same architecture at random init, or raw pixels), which data
// and transform, which protocols, and each protocol's settings. Torch-free, so the command line,
// --help and --dump-config never load LibTorch.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::vision {

// Where the features come from.
enum class BackboneInit {
  kCheckpoint,  // the weights of eval.checkpoint
  kRandom,      // the same architecture, freshly initialised from eval.seed (the baseline)
  kPixels,      // identity: the normalised pixels, flattened, are the features
};

BackboneInit parse_backbone_init(const std::string& name);  // usage_error naming eval.init
const char* to_string(BackboneInit init);

struct LinearProbeOptions {
  std::vector<double> weight_decays{1e-5, 1e-4, 1e-3, 1e-2,
                                    1e-1};  // linear.weight_decays (L2 sweep)
  double holdout_fraction = 0.1;            // linear.holdout_fraction
  int64_t max_iterations = 100;             // linear.max_iterations (L-BFGS)
  uint64_t seed = 0;                        // eval.seed: the held-out split
};

struct KnnOptions {
  int64_t k = 20;             // knn.k
  double temperature = 0.07;  // knn.temperature: votes weigh exp(similarity / T)
};

struct FineTuneOptions {
  int64_t epochs = 2;          // finetune.epochs
  int64_t batch = 64;          // finetune.batch
  double lr = 0.01;            // finetune.lr: peak LR (cosine decay to 0 over all steps)
  double momentum = 0.9;       // finetune.momentum
  double weight_decay = 1e-4;  // finetune.weight_decay
  double min_scale = 0.08;     // finetune.min_scale: RandomResizedCrop's smallest area fraction
  double hflip = 0.5;          // finetune.hflip: probability of a left-right flip
  uint64_t seed = 0;           // eval.seed
};

struct ImageNetEvalOptions {
  std::string checkpoint;  // eval.checkpoint: run dir, checkpoint dir, or .pt / .safetensors
  std::string arch;        // eval.arch: "" = model.arch of the checkpoint's config
  BackboneInit init = BackboneInit::kCheckpoint;        // eval.init
  std::string data;                                     // eval.data: ImageNet-layout root
  std::string val_ground_truth;                         // eval.val_ground_truth (devkit form)
  std::string val_synsets;                              // eval.val_synsets (devkit form)
  std::vector<std::string> protocols{"linear", "knn"};  // eval.protocols
  std::string out;                                      // eval.out: "" = runs/eval-imagenet
  std::string cache_dir;  // eval.cache_dir: "" = <eval.out>/feature_cache
  int64_t resize = 256;   // eval.resize: shorter side before the centre crop
  int64_t crop = 224;     // eval.crop
  int64_t channels = 3;   // eval.channels: 3 (RGB) or 1 (mean of R, G, B: greyscale sets)
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // eval.mean
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};   // eval.std
  int64_t batch = 256;                                // eval.batch: images per forward pass
  int64_t threads = 4;         // eval.threads: decode threads and LibTorch intra-op threads
  std::string device = "cpu";  // eval.device: cpu | cuda | cuda:N
  uint64_t seed = 0;           // eval.seed
  LinearProbeOptions linear;
  KnnOptions knn;
  FineTuneOptions finetune;
};

// eval.*, linear.*, knn.*, finetune.* with defaults and help.
config::Schema imagenet_eval_schema();

// Reads and validates those keys; a bad value is a usage_error naming the key.
ImageNetEvalOptions imagenet_eval_options(const config::Config& config);

}  // namespace ptk::vision
