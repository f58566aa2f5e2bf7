#include "recipes/wsl/dedup.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/config/option_table.h"
#include "common/dist/job_ranks.h"
#include "common/dist/launch_env.h"
#include "vision/dedup/backbone_embedder.h"
#include "vision/dedup/thumbnail_embedder.h"

namespace ptk::recipes {

namespace {

// A backbone embeds a record batch in forward passes of 64 images, not eval's 256: a CPU's
// memory holds the activations of ResNet-50 for 64 images with room to spare.
vision::ImageNetEvalOptions backbone_defaults() {
  vision::ImageNetEvalOptions options;
  options.batch = 64;
  return options;
}

struct DedupKeys {
  vision::DedupOptions job;
  std::string embedding = "thumbnail";
  vision::ImageNetEvalOptions backbone = backbone_defaults();  // dedup.embedding=backbone
  std::string init_from;  // another name for dedup.checkpoint, as in ptk-eval and ptk-export
  int64_t threads = 0;    // 0 = this machine's cores
  int64_t timeout_s = 24 * 3600;
};

void add_job_keys(config::OptionTable<DedupKeys>& t) {
  using config::at_least;
  using config::nested;
  using K = DedupKeys;
  using O = vision::DedupOptions;
  t.add("dedup.shards", nested(&K::job, &O::shards),
        "the training image shard set (a folder with manifest.yaml, e.g. <prepare.out>/train)",
        config::non_empty("is required (an image shard set)"))
      .add("dedup.eval", nested(&K::job, &O::eval),
           "folders of evaluation images, searched recursively (an ImageNet val/ folder, ...)",
           config::non_empty("is required (folders of evaluation images)"))
      .add("dedup.out", nested(&K::job, &O::out),
           "output folder: duplicates.tsv, exclusions.txt (one record key a line), "
           "unreadable.tsv, summary.txt; the ranks meet in <dedup.out>.ranks (a shared file "
           "system on several nodes)",
           config::non_empty("is required"))
      .add("dedup.threshold", nested(&K::job, &O::threshold),
           "cosine similarity of the embeddings from which a training record is a "
           "near-duplicate of an evaluation image (or of its mirror image)",
           config::in_range(0.0, 1.0, "(]"))
      .add("dedup.threads", &K::threads,
           "decode threads (and LibTorch threads for a backbone) per rank; 0 = this machine's "
           "cores shared among its ranks",
           at_least(0))
      .add("dedup.batch", nested(&K::job, &O::batch), "images embedded and searched together",
           at_least(1))
      .add("dedup.approximate_above", nested(&K::job, &O::approximate_above),
           "evaluation images above which the search uses an IVF index instead of exact search",
           at_least(1))
      .add("dedup.timeout_s", &K::timeout_s,
           "seconds a rank waits for the others between stages under torchrun / Slurm / MPI",
           at_least(1));
}

void add_embedding_keys(config::OptionTable<DedupKeys>& t) {
  using config::at_least;
  using config::nested;
  using K = DedupKeys;
  using E = vision::ImageNetEvalOptions;
  t.add("dedup.embedding", &K::embedding,
        "thumbnail (16x16 DCT of a 32x32 grey thumbnail: copies, re-encodings, resizes, "
        "mirrors) | backbone (a ResNet's pooled features: see dedup.checkpoint)",
        config::one_of({"thumbnail", "backbone"}))
      .add("dedup.checkpoint", nested(&K::backbone, &E::checkpoint),
           "backbone weights: a run directory, a checkpoint directory, or a .pt / .pth / "
           ".safetensors state dict such as a torchvision ResNet's (then dedup.arch is required)")
      .add("init.from", &K::init_from,
           "instead of dedup.checkpoint: a .pth / .pt / .safetensors state dict (torchvision "
           "keys; dedup.arch names the architecture)")
      .add("dedup.arch", nested(&K::backbone, &E::arch),
           "backbone architecture preset; empty = model.arch of the checkpoint's config")
      .add("dedup.init", nested(&K::backbone, &E::init),
           "checkpoint (the weights) | random (same arch, fresh init from dedup.seed)",
           config::parsed(vision::parse_backbone_init, vision::to_string))
      .add("dedup.seed", nested(&K::backbone, &E::seed), "seed of dedup.init=random")
      .add("dedup.resize", nested(&K::backbone, &E::resize),
           "backbone: shorter side before the centre crop", at_least(1))
      .add("dedup.crop", nested(&K::backbone, &E::crop), "backbone: centre crop side in pixels",
           at_least(1))
      .add("dedup.channels", nested(&K::backbone, &E::channels),
           "backbone: 3 = RGB; 1 = the mean of R, G, B (a network trained on greyscale)",
           config::satisfies([](int64_t c) { return c == 1 || c == 3; }, "must be 1 or 3"))
      .add("dedup.forward_batch", nested(&K::backbone, &E::batch),
           "backbone: images per forward pass", at_least(1))
      .add("dedup.device", nested(&K::backbone, &E::device),
           "backbone: cpu | cuda (cuda:<local rank> under a launcher) | cuda:N");
}

config::OptionTable<DedupKeys> dedup_table() {
  config::OptionTable<DedupKeys> t;
  add_job_keys(t);
  add_embedding_keys(t);
  return t;
}

std::unique_ptr<vision::ImageEmbedder> make_embedder(DedupKeys keys, int threads,
                                                     const dist::JobRanks& ranks) {
  if (keys.embedding == "thumbnail") return std::make_unique<vision::ThumbnailEmbedder>(threads);
  if (!keys.init_from.empty()) {
    if (!keys.backbone.checkpoint.empty()) {
      throw usage_error("give dedup.checkpoint or init.from, not both");
    }
    keys.backbone.checkpoint = keys.init_from;
  }
  keys.backbone.threads = threads;
  keys.backbone.device = ranks.device_for_rank(keys.backbone.device);
  return vision::make_backbone_embedder(keys.backbone);
}

}  // namespace

config::Schema dedup_schema() { return dedup_table().schema(); }

vision::DedupSummary run_dedup(const config::Config& config) {
  const DedupKeys keys = dedup_table().read(config);
  const dist::JobRanks ranks = dist::JobRanks::join(std::chrono::seconds(keys.timeout_s));
  const int threads = keys.threads > 0 ? static_cast<int>(keys.threads)
                                       : dist::threads_per_local_rank(ranks.local_world());
  vision::DedupOptions options = keys.job;
  options.threads = threads;
  const std::unique_ptr<vision::ImageEmbedder> embedder = make_embedder(keys, threads, ranks);
  return vision::run_dedup(options, *embedder, ranks);
}

}  // namespace ptk::recipes
