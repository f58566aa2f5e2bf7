#include "recipes/wsl/dedup.h"

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/option_table.h"
#include "common/dist/launch_env.h"

namespace ptk::recipes {

namespace {

struct DedupKeys {
  vision::DedupOptions job;
  int64_t threads = 0;  // 0 = this machine's cores
};

config::OptionTable<DedupKeys> dedup_table() {
  using config::at_least;
  using config::nested;
  using K = DedupKeys;
  using O = vision::DedupOptions;
  config::OptionTable<K> t;
  t.add("dedup.shards", nested(&K::job, &O::shards),
        "the training image shard set (a folder with manifest.yaml, e.g. <prepare.out>/train)",
        config::non_empty("is required (an image shard set)"))
      .add("dedup.eval", nested(&K::job, &O::eval),
           "folders of evaluation images, searched recursively (an ImageNet val/ folder, ...)",
           config::non_empty("is required (folders of evaluation images)"))
      .add("dedup.out", nested(&K::job, &O::out),
           "output folder: duplicates.tsv, exclusions.txt (one record key a line), "
           "unreadable.tsv, summary.txt",
           config::non_empty("is required"))
      .add("dedup.threshold", nested(&K::job, &O::threshold),
           "cosine similarity of the thumbnail descriptors from which a training record is a "
           "near-duplicate of an evaluation image (or of its mirror image)",
           config::in_range(0.0, 1.0, "(]"))
      .add("dedup.threads", &K::threads, "decode threads; 0 = this machine's cores", at_least(0))
      .add("dedup.batch", nested(&K::job, &O::batch), "training records searched together",
           at_least(1))
      .add("dedup.approximate_above", nested(&K::job, &O::approximate_above),
           "evaluation images above which the search uses an IVF index instead of exact search",
           at_least(1));
  return t;
}

}  // namespace

config::Schema dedup_schema() { return dedup_table().schema(); }

vision::DedupSummary run_dedup(const config::Config& config) {
  const DedupKeys keys = dedup_table().read(config);
  vision::DedupOptions options = keys.job;
  options.threads =
      keys.threads > 0 ? static_cast<int>(keys.threads) : dist::threads_per_local_rank(1);
  return vision::run_dedup(options);
}

}  // namespace ptk::recipes
