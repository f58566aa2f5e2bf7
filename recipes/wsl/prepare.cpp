#include "recipes/wsl/prepare.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "common/base/error.h"
#include "common/config/option_table.h"
#include "common/data/input_parts.h"
#include "common/dist/job_ranks.h"
#include "common/dist/launch_env.h"
#include "vision/hashtags/hashtag_vocab.h"
#include "vision/hashtags/manifest_reader.h"
#include "vision/hashtags/wordnet.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

// prepare.parts = 0: one part per this many bytes of manifest.
constexpr uint64_t kAutoPartBytes = 64ull << 20;

vision::ManifestFormat manifest_format(const std::string& name, const std::string& path) {
  if (name == "auto") return vision::detect_manifest_format(path);
  if (name == "yfcc") return vision::ManifestFormat::kYfcc100m;
  return vision::parse_manifest_format(name);
}

// The prepare.* keys as written; read_job resolves them into the job.
struct PrepareOptions {
  std::string manifest;
  std::string manifest_format = "auto";
  std::string val_manifest;
  double val_fraction = 0.0;
  std::string image_root;  // "" = the manifest's directory
  std::string wordnet_dir = vision::kDefaultWordNetDir;
  std::string vocab_size = "17k";
  std::string out;
  int64_t shard_bytes = int64_t{256} << 20;
  int64_t parts = 0;  // 0 = one per kAutoPartBytes of manifest
  int threads = 0;    // 0 = this machine's cores divided among its ranks
  vision::RecodeOptions recode;
  int64_t timeout_s = 24 * 3600;
};

config::OptionTable<PrepareOptions> prepare_table() {
  using config::at_least;
  using config::nested;
  using config::non_empty;
  using O = PrepareOptions;
  using R = vision::RecodeOptions;
  config::OptionTable<O> t;
  t.add("prepare.manifest", &O::manifest, "hashtag manifest of the training images (required)",
        non_empty("is required"))
      .add("prepare.manifest_format", &O::manifest_format,
           "auto (from the file name) | jsonl | tsv | yfcc100m")
      .add("prepare.val_manifest", &O::val_manifest,
           "manifest of validation images; empty = split prepare.val_fraction off the training "
           "manifest")
      .add("prepare.val_fraction", &O::val_fraction,
           "fraction of training images held out for validation (by a hash of the image key)",
           config::in_range(0.0, 1.0, "[)"))
      .add("prepare.image_root", &O::image_root,
           "directory image paths are relative to; empty = the manifest's directory")
      .add("prepare.wordnet_dir", &O::wordnet_dir,
           "WordNet 3.0 database directory (index.noun, data.noun, noun.exc)")
      .add("prepare.vocab_size", &O::vocab_size,
           "classes kept, most frequent first: 1.5k | 8.5k | 17k (the paper's) or a number")
      .add("prepare.out", &O::out,
           "output directory: train/ and val/ shard sets, bad_images.tsv, summary.txt (required); "
           "work in progress lives in <out>.partial, which a re-run resumes",
           non_empty("is required"))
      .add("prepare.shard_bytes", &O::shard_bytes, "payload bytes per shard", at_least(1))
      .add("prepare.parts", &O::parts,
           "parts the manifests are cut into (byte ranges at line starts), dealt to the ranks; "
           "the output depends on this, never on ranks or threads; 0 = one per 64 MiB of "
           "manifest",
           at_least(0))
      .add("prepare.threads", &O::threads,
           "worker threads per rank; 0 = this machine's cores divided among its ranks", at_least(0))
      .add("prepare.resize_shorter", nested(&O::recode, &R::resize_shorter),
           "0 = store images as read (validated only); N = images whose shorter side is larger "
           "are resized to N (area interpolation) and every image is stored as an RGB JPEG",
           at_least(0))
      .add("prepare.jpeg_quality", nested(&O::recode, &R::jpeg_quality),
           "JPEG quality of re-encoded images (4:2:0)", config::in_range(1, 100))
      .add("prepare.timeout_s", &O::timeout_s,
           "seconds a rank waits for the others between stages under torchrun / Slurm / MPI "
           "(a stage can take hours on a large manifest)",
           at_least(1));
  return t;
}

// The job the options describe, for a rank on a machine shared by `local_world` ranks.
vision::ImagePrepareJob read_job(const PrepareOptions& o, int local_world) {
  if (!o.val_manifest.empty() && o.val_fraction > 0.0) {
    throw usage_error("give prepare.val_manifest or prepare.val_fraction, not both");
  }
  vision::ImagePrepareJob job;
  job.manifest = o.manifest;
  job.val_manifest = o.val_manifest;
  job.out = o.out;
  job.val_fraction = o.val_fraction;
  job.shard_bytes = o.shard_bytes;
  job.vocab_size = vision::parse_vocab_size(o.vocab_size);
  job.format = manifest_format(o.manifest_format, job.manifest);
  job.val_format =
      job.val_manifest.empty() ? job.format : manifest_format(o.manifest_format, job.val_manifest);
  job.image_root =
      o.image_root.empty() ? fs::path(job.manifest).parent_path().string() : o.image_root;
  job.recode = o.recode;
  job.threads = o.threads > 0 ? o.threads : dist::threads_per_local_rank(local_world);

  std::vector<std::string> files = {job.manifest};
  if (!job.val_manifest.empty()) files.push_back(job.val_manifest);
  for (const auto& file : files) {
    fail_if(!fs::is_regular_file(file), "cannot open manifest {}: no such file", file);
  }
  int64_t parts = o.parts;
  if (parts == 0) {
    uint64_t bytes = 0;
    for (const auto& file : files) bytes += fs::file_size(file);
    parts =
        static_cast<int64_t>(std::max<uint64_t>(1, (bytes + kAutoPartBytes - 1) / kAutoPartBytes));
  }
  job.plan = data::plan_input_parts(files, parts);
  return job;
}

// What the output depends on: every prepare.* key but the thread count and the timeout, and
// the size of every input. A resumed job must match it.
std::string fingerprint(const config::Config& config, const vision::ImagePrepareJob& job) {
  std::map<std::string, config::Value> values;
  for (const auto& [key, value] : config.values()) {
    if (key.rfind("prepare.", 0) == 0 && key != "prepare.threads" && key != "prepare.timeout_s") {
      values[key] = value;
    }
  }
  std::string text = config::Config(values).to_yaml();
  for (const auto& part : job.plan) {
    if (part.begin == 0) {
      text += fmt::format("# {}: {} bytes\n", part.file, part.file_bytes);
    }
  }
  return text;
}

}  // namespace

config::Schema prepare_schema() { return prepare_table().schema(); }

vision::ImagePrepareSummary run_prepare(const config::Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const PrepareOptions options = prepare_table().read(config);
  const dist::JobRanks ranks = dist::JobRanks::join(std::chrono::seconds(options.timeout_s));
  const vision::ImagePrepareJob job = read_job(options, ranks.local_world());
  return vision::run_image_prepare_job(job, options.wordnet_dir, fingerprint(config, job), ranks,
                                       start);
}

}  // namespace ptk::recipes
