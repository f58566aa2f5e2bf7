#include "recipes/eval/imagenet_eval.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "common/base/blas_threads.h"
#include "common/base/error.h"
#include "common/dist/process_group.h"
#include "common/dist/reductions.h"
#include "common/io/atomic_file.h"
#include "recipes/eval/eval_ranks.h"
#include "recipes/eval/eval_report.h"
#include "vision/datasets/imagenet_folder.h"
#include "vision/eval/backbone.h"
#include "vision/eval/feature_cache.h"
#include "vision/eval/feature_extractor.h"
#include "vision/eval/fine_tune.h"
#include "vision/eval/imagenet_eval_options.h"
#include "vision/eval/knn_classifier.h"
#include "vision/eval/linear_probe.h"
#include "vision/models/resnet.h"

namespace ptk::recipes {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Everything besides weights and images that the features depend on.
std::string transform_key(const vision::ImageNetEvalOptions& o) {
  std::ostringstream key;
  key << "resize=" << o.resize << " crop=" << o.crop << " channels=" << o.channels
      << " mean=" << o.mean[0] << "," << o.mean[1] << "," << o.mean[2] << " std=" << o.std[0] << ","
      << o.std[1] << "," << o.std[2] << " dct_scaling=1";
  return key.str();
}

struct SplitFeatures {
  at::Tensor features;  // [N, D] float, CPU
  at::Tensor labels;    // [N] int64
};

// This rank's share of a split: batches rank, rank + world, ... of `batch` images each, in
// order. map_images cuts the share into exactly those batches again, so every image goes
// through the network in the same batch as in a one-process run and gets the same features.
std::vector<vision::LabeledImage> rank_share(const std::vector<vision::LabeledImage>& images,
                                             size_t batch, int rank, int world) {
  std::vector<vision::LabeledImage> share;
  for (size_t begin = batch * static_cast<size_t>(rank); begin < images.size();
       begin += batch * static_cast<size_t>(world)) {
    const size_t end = std::min(images.size(), begin + batch);
    share.insert(share.end(), images.begin() + static_cast<std::ptrdiff_t>(begin),
                 images.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return share;
}

// Puts every rank's rows (its share, as rank_share deals it) at their place in the whole
// [n, dim] matrix on rank 0, in blocks of about 64 MiB: each rank fills its rows of a zeroed
// block and the blocks are summed, so every row is one rank's row plus zeros, exactly.
// Returns the matrix on rank 0 and an undefined tensor on the other ranks.
at::Tensor gather_shares(dist::ProcessGroup& group, const at::Tensor& local, int64_t n, int64_t dim,
                         int64_t batch) {
  const int rank = group.rank();
  const int world = group.size();
  const int64_t batches = (n + batch - 1) / batch;
  const int64_t block_batches = std::max<int64_t>(1, (int64_t{16} << 20) / (batch * dim));
  at::Tensor whole = rank == 0 ? at::empty({n, dim}, at::kFloat) : at::Tensor();
  int64_t local_row = 0;
  for (int64_t first = 0; first < batches; first += block_batches) {
    const int64_t begin = first * batch;
    const int64_t end = std::min(n, (first + block_batches) * batch);
    at::Tensor block = at::zeros({end - begin, dim}, at::kFloat);
    for (int64_t b = first; b < std::min(batches, first + block_batches); ++b) {
      if (b % world != rank) continue;
      const int64_t rows = std::min(n, (b + 1) * batch) - b * batch;
      block.narrow(0, b * batch - begin, rows).copy_(local.narrow(0, local_row, rows));
      local_row += rows;
    }
    std::vector<at::Tensor> one{block};
    group.all_reduce_sum(one);
    if (rank == 0) whole.narrow(0, begin, end - begin).copy_(block);
  }
  return whole;
}

// The split's features from the cache when it holds them for exactly this key, else computed
// with the backbone (each rank its share of the batches) and stored. On ranks other than 0 the
// features stay undefined: only rank 0 runs the protocols.
SplitFeatures split_features(const std::string& split,
                             const std::vector<vision::LabeledImage>& images,
                             const vision::ImageNetEvalOptions& o, const vision::Backbone& backbone,
                             const vision::ImageBatchOptions& batch_options, int64_t feature_dim,
                             const std::string& cache_dir, dist::ProcessGroup& group,
                             EvalReport& report) {
  const bool lead = group.rank() == 0;
  const std::string key =
      backbone.identity + "; " + transform_key(o) + "; " + vision::describe_images(o.data, images);
  const std::string path = vision::feature_cache_path(cache_dir, split, key);
  SplitFeatures out;
  out.labels = vision::image_labels(images);
  std::optional<vision::CachedFeatures> cached;
  if (lead) {
    cached = vision::read_feature_cache(path, key);
    if (cached && cached->rows != static_cast<int64_t>(images.size())) cached.reset();
  }
  if (dist::any_rank(group, cached.has_value())) {
    if (!lead) return out;
    // The tensor borrows the cache's buffer (kept alive by the deleter): no second copy.
    auto holder = std::make_shared<vision::CachedFeatures>(std::move(*cached));
    out.features = at::from_blob(
        holder->values.data(), {holder->rows, holder->dim}, [holder](void*) {}, at::kFloat);
    report.feature_cache.emplace_back(split, "reused from " + path);
    spdlog::info("{} features: reused {}", split, path);
    return out;
  }
  vision::ImageBatchOptions options = batch_options;
  options.label = split + " features";
  // Each rank runs the network over its share of the batches (all of them in one process).
  std::vector<vision::LabeledImage> dealt;
  if (group.size() > 1) {
    dealt = rank_share(images, static_cast<size_t>(o.batch), group.rank(), group.size());
    options.label += fmt::format(" (rank {})", group.rank());
  }
  const std::vector<vision::LabeledImage>& share = group.size() > 1 ? dealt : images;
  const at::Tensor local = share.empty()
                               ? at::empty({0, feature_dim}, at::kFloat)
                               : vision::map_images(share, options, [&](const at::Tensor& x) {
                                   return backbone.features(x);
                                 }).contiguous();
  if (local.dim() != 2 || local.size(1) != feature_dim) {
    throw error("the backbone gave features of shape {}, expected [N, {}]", c10::str(local.sizes()),
                feature_dim);
  }
  out.features =
      group.size() == 1
          ? local
          : gather_shares(group, local, static_cast<int64_t>(images.size()), feature_dim, o.batch);
  if (!lead) return out;
  std::vector<int32_t> labels;
  labels.reserve(images.size());
  for (const auto& image : images) labels.push_back(image.label);
  vision::write_feature_cache(path, key, out.features.size(0), out.features.size(1),
                              out.features.data_ptr<float>(), labels.data());
  report.feature_cache.emplace_back(split, "computed, cached in " + path);
  return out;
}

}  // namespace

config::Schema imagenet_schema() {
  config::Schema schema = vision::imagenet_eval_schema();
  schema.merge(eval_ranks_schema());
  return schema;
}

namespace {

vision::ImageFolderSet read_data(const vision::ImageNetEvalOptions& o) {
  vision::ImageFolderOptions folder_options;
  folder_options.val_ground_truth = o.val_ground_truth;
  folder_options.val_synsets = o.val_synsets;
  vision::ImageFolderSet data = vision::read_imagenet_folder(o.data, folder_options);
  spdlog::info(
      "imagenet: {} classes, {} train / {} val images in {}{}", data.classes.size(),
      data.train.size(), data.val.size(), o.data,
      data.skipped_files ? fmt::format(" ({} non-image files skipped)", data.skipped_files) : "");
  return data;
}

// The report's description of the run; the protocols add their results.
EvalReport start_report(const vision::ImageNetEvalOptions& o, const vision::ImageFolderSet& data,
                        const vision::Backbone& backbone) {
  EvalReport report;
  report.data = o.data;
  report.layout = data.devkit_val ? "devkit val" : "class folders";
  report.init = vision::to_string(o.init);
  report.arch = backbone.arch;
  report.weights_file = backbone.weights_file;
  report.classes = static_cast<int64_t>(data.classes.size());
  report.train_images = static_cast<int64_t>(data.train.size());
  report.val_images = static_cast<int64_t>(data.val.size());
  report.feature_dim =
      backbone.model ? backbone.model->feature_dim() : o.channels * o.crop * o.crop;
  return report;
}

vision::ImageBatchOptions image_batch_options(const vision::ImageNetEvalOptions& o,
                                              const c10::Device& device) {
  vision::ImageBatchOptions batch_options;
  batch_options.transform.resize_size = static_cast<int>(o.resize);
  batch_options.transform.crop_size = static_cast<int>(o.crop);
  batch_options.transform.normalization.mean = o.mean;
  batch_options.transform.normalization.std = o.std;
  batch_options.channels = o.channels;
  batch_options.batch = o.batch;
  batch_options.threads = static_cast<int>(o.threads);
  batch_options.device = device;
  return batch_options;
}

// What the protocols read: the options, the images, the backbone and the frozen features.
struct ProtocolInputs {
  const vision::ImageNetEvalOptions& o;
  const vision::ImageFolderSet& data;
  vision::Backbone& backbone;
  const vision::ImageBatchOptions& batch_options;
  const SplitFeatures& train;
  const SplitFeatures& val;
  int64_t classes = 0;
};

void run_linear_probe(const ProtocolInputs& in, ProtocolResult& result) {
  const vision::LinearProbeResult probe = vision::linear_probe(
      in.train.features, in.train.labels, in.val.features, in.val.labels, in.classes, in.o.linear);
  result.top1 = probe.val.top1;
  result.top5 = probe.val.top5;
  result.details.emplace_back("weight_decay", number(probe.weight_decay));
  std::string sweep;
  for (const auto& [wd, top1] : probe.sweep) {
    char entry[64];
    std::snprintf(entry, sizeof entry, "%s%g: %.2f", sweep.empty() ? "" : ", ", wd, 100 * top1);
    sweep += entry;
  }
  if (!sweep.empty()) result.details.emplace_back("held-out top-1 (%) by weight decay", sweep);
}

void run_knn(const ProtocolInputs& in, ProtocolResult& result) {
  const at::Tensor scores =
      vision::knn_scores(in.train.features, in.train.labels, in.val.features, in.classes, in.o.knn);
  const vision::TopKAccuracy accuracy = vision::topk_accuracy(scores, in.val.labels);
  result.top1 = accuracy.top1;
  result.top5 = accuracy.top5;
  result.details.emplace_back("k", std::to_string(in.o.knn.k));
  result.details.emplace_back("T", number(in.o.knn.temperature));
}

void run_fine_tune(const ProtocolInputs& in, ProtocolResult& result) {
  const vision::FineTuneResult tuned =
      vision::fine_tune(in.backbone.model, in.data, in.batch_options, in.o.finetune);
  result.top1 = tuned.val.top1;
  result.top5 = tuned.val.top5;
  result.details.emplace_back("epochs", std::to_string(in.o.finetune.epochs));
  result.details.emplace_back("steps", std::to_string(tuned.steps));
  result.details.emplace_back("lr", number(in.o.finetune.lr));
  result.details.emplace_back("last epoch loss", number(tuned.last_loss));
}

ProtocolResult run_protocol(const std::string& protocol, const ProtocolInputs& in) {
  const auto protocol_start = Clock::now();
  ProtocolResult result;
  result.protocol = protocol;
  if (protocol == "linear") run_linear_probe(in, result);
  if (protocol == "knn") run_knn(in, result);
  if (protocol == "finetune") run_fine_tune(in, result);
  result.seconds = seconds_since(protocol_start);
  spdlog::info("{}: top-1 {:.4f}, top-5 {:.4f} ({:.1f} s)", protocol, result.top1, result.top5,
               result.seconds);
  return result;
}

}  // namespace

int run_imagenet_eval(const config::Config& config) {
  const auto start = Clock::now();
  const vision::ImageNetEvalOptions o = vision::imagenet_eval_options(config);
  const dist::JobRanks ranks = join_eval_ranks(config);
  const std::shared_ptr<dist::ProcessGroup>& group = ranks.group();
  at::set_num_threads(static_cast<int>(o.threads));
  set_blas_threads(static_cast<int>(o.threads));
  const c10::Device device =
      vision::backbone_device("eval.device", ranks.device_for_rank(o.device));
  const vision::ImageFolderSet data = read_data(o);
  vision::Backbone backbone = vision::load_backbone(o);
  if (backbone.model) backbone.model->to(device);
  EvalReport report = start_report(o, data, backbone);
  const vision::ImageBatchOptions batch_options = image_batch_options(o, device);

  const auto wants = [&](const char* protocol) {
    return std::find(o.protocols.begin(), o.protocols.end(), protocol) != o.protocols.end();
  };
  // Frozen features first: fine-tuning (if asked) changes the backbone afterwards.
  SplitFeatures train, val;
  if (wants("linear") || wants("knn")) {
    const std::string cache_dir = o.cache_dir.empty()
                                      ? (std::filesystem::path(o.out) / "feature_cache").string()
                                      : o.cache_dir;
    train = split_features("train", data.train, o, backbone, batch_options, report.feature_dim,
                           cache_dir, *group, report);
    val = split_features("val", data.val, o, backbone, batch_options, report.feature_dim, cache_dir,
                         *group, report);
  }
  if (group->rank() != 0) {
    // The protocols are cheap next to feature extraction (and fine-tuning runs as one
    // process): rank 0 runs them and writes the results.
    spdlog::info("rank {}: features sent to rank 0, which runs the protocols", group->rank());
    return 0;
  }
  const ProtocolInputs inputs{o, data, backbone, batch_options, train, val, report.classes};
  for (const std::string& protocol : o.protocols) {
    report.results.push_back(run_protocol(protocol, inputs));
  }
  report.seconds = seconds_since(start);
  write_report(o.out, report);
  io::write_file_atomic(o.out + "/config.yaml", config.to_yaml());
  std::printf("%s\n", summary_paragraph(o.out, report).c_str());
  return 0;
}

}  // namespace ptk::recipes
