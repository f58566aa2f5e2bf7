#include "vision/datasets/hashtag_task.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "common/base/error.h"
#include "vision/datasets/hashtag_loss.h"
#include "vision/datasets/hashtag_stream.h"
#include "vision/hashtags/resampling.h"
#include "vision/hashtags/shard_resampling.h"
#include "vision/models/resnet.h"
#include "vision/models/resnet_config.h"

namespace ptk::vision {

namespace {

std::shared_ptr<const data::ShardSet> open_image_set(const std::string& dir, const char* key,
                                                     int64_t max_open_shards, bool read_ahead) {
  auto set =
      std::make_shared<const data::ShardSet>(dir, static_cast<size_t>(max_open_shards), read_ahead);
  if (set->kind() != data::ShardKind::kImage) {
    throw usage_error("{}: '{}' is not an image shard set", key, dir);
  }
  fail_if(set->num_samples() == 0, "{}: '{}' has no samples", key, dir);
  set->check_files();
  return set;
}

}  // namespace

HashtagVocab read_shard_vocab(const data::ShardSet& shards) {
  const auto& files = shards.manifest().files;
  auto it = files.find("vocabulary");
  fail_if(it == files.end(),
          "{}/manifest.yaml lists no 'vocabulary' file (was the set written by ptk-wsl prepare?)",
          shards.dir());
  HashtagVocab vocab = HashtagVocab::read_tsv(shards.dir() + "/" + it->second);
  fail_if(vocab.size() == 0, "{}/{}: empty vocabulary", shards.dir(), it->second);
  return vocab;
}

HashtagTask::HashtagTask(HashtagTaskOptions options) : options_(std::move(options)) {
  // A shard-local order reads a shard's records close together: read each shard ahead whole.
  train_ = open_image_set(options_.shards, "data.shards", options_.max_open_shards,
                          options_.shard_locality > 0);
  vocab_ = read_shard_vocab(*train_);
  if (!options_.val_shards.empty()) {
    val_ = open_image_set(options_.val_shards, "data.val_shards", options_.max_open_shards, false);
    if (read_shard_vocab(*val_).size() != vocab_.size()) {
      throw usage_error("data.val_shards: '{}' has another vocabulary size than data.shards '{}'",
                        options_.val_shards, options_.shards);
    }
  }
  // Nothing here reads every record: the order needs the set's per-shard summary at most, and
  // a record with no class or one outside the vocabulary is replaced when the loader meets it.
  const int threads = std::max<int>(1, static_cast<int>(options_.threads));
  std::shared_ptr<const data::ExcludedRecords> excluded;
  if (!options_.exclude.empty()) {
    excluded = std::make_shared<const data::ExcludedRecords>(
        data::ExcludedRecords::read(*train_, options_.exclude, threads));
    fail_if(excluded->size() == train_->num_samples(), "data.exclude: '{}' leaves out every record",
            options_.exclude);
    spdlog::info("wsl: {} records of {} left out (data.exclude {})", excluded->size(),
                 train_->num_samples(), options_.exclude);
  }
  const uint64_t n = train_->num_samples() - (excluded ? excluded->size() : 0);
  const uint64_t length =
      options_.epoch_length > 0 ? static_cast<uint64_t>(options_.epoch_length) : n;
  std::unique_ptr<ResamplingSummary> summary;
  if (options_.resampling != Resampling::kNatural) {
    summary = std::make_unique<ResamplingSummary>(
        load_resampling_summary(*train_, vocab_.size(), threads, excluded.get()));
  }
  order_ = std::make_shared<const data::EpochOrder>(
      hashtag_epoch_order(train_, summary.get(), options_.resampling, options_.seed, length,
                          static_cast<uint64_t>(options_.shard_locality), excluded));

  ResNetConfig config = resnet_config(options_.arch);
  config.num_classes = static_cast<int64_t>(vocab_.size());
  config.zero_init_residual = options_.zero_init_residual;
  model_ = std::make_shared<ResNetImpl>(config);
  spdlog::info(
      "wsl: {} with {} classes ({} parameters), {} training images ({} per epoch, {} "
      "resampling){}",
      options_.arch, vocab_.size(), count_parameters(*model_), n, length,
      to_string(options_.resampling),
      val_ ? fmt::format(", {} validation images", val_->num_samples()) : "");
}

HashtagTask::~HashtagTask() {
  // What data.max_open_shards did: many more opens than shards means the maps are thrashing.
  if (train_->shard_opens() == 0) return;
  spdlog::info(
      "wsl: {} training shard opens for {} shards; at most {} training shards mapped at "
      "once (data.max_open_shards {})",
      train_->shard_opens(), train_->num_shards(), train_->peak_open_shards(),
      train_->max_open_shards());
}

torch::nn::Module& HashtagTask::model() { return *model_; }

int64_t HashtagTask::samples_per_epoch() const {
  return static_cast<int64_t>(order_->epoch_length());
}

void HashtagTask::moved_to(const c10::Device& device) {
  if (!device.is_cuda()) return;
  convert_to_channels_last(*model_);
  channels_last_ = true;
}

at::Tensor HashtagTask::input_layout(const at::Tensor& images) const {
  return channels_last_ ? images.contiguous(at::MemoryFormat::ChannelsLast) : images;
}

train::LossOutput HashtagTask::compute_loss(const train::Batch& batch) {
  const at::Tensor logits = model_->forward(input_layout(batch.at("images")));
  const at::Tensor& targets = batch.at("targets");
  train::LossOutput out;
  out.loss = hashtag_loss(logits, targets, options_.loss);
  const double n = static_cast<double>(batch.size);
  out.metrics["top1"] = {hashtag_topk_hits(logits, targets, 1), n};
  out.metrics["top5"] = {hashtag_topk_hits(logits, targets, 5), n};
  return out;
}

std::unique_ptr<train::BatchStream> HashtagTask::open_train_stream(const train::StreamSpec& spec) {
  HashtagStreamOptions o;
  o.transform.output_size = static_cast<int>(options_.image_size);
  o.transform.scale = {options_.min_scale, 1.0};
  o.num_classes = vocab_.size();
  o.target_kind = options_.loss;
  o.threads = static_cast<int>(options_.threads);
  o.seed = options_.seed;
  return std::make_unique<HashtagStream>(train_, *order_, spec, o);
}

std::map<std::string, dist::SumCount> HashtagTask::evaluate(const train::EvalContext& context) {
  if (!val_) return {};
  EvalTransform transform;
  transform.resize_size = static_cast<int>(options_.eval_resize);
  transform.crop_size = static_cast<int>(options_.image_size);
  transform.validate();
  const size_t classes = vocab_.size();
  const size_t floats = transform.output_floats();
  const int64_t side = transform.crop_size;
  const int threads = std::max<int>(1, static_cast<int>(options_.threads));

  // This rank's records: every world_size-th one, so ranks share the set evenly.
  std::vector<uint64_t> mine;
  for (uint64_t i = context.rank; i < val_->num_samples(); i += context.world_size) {
    mine.push_back(i);
  }
  dist::SumCount top1, top5, loss;
  for (size_t begin = 0; begin < mine.size(); begin += options_.eval_batch) {
    const size_t n = std::min<size_t>(options_.eval_batch, mine.size() - begin);
    at::Tensor images = at::empty({static_cast<int64_t>(n), 3, side, side}, at::kFloat);
    at::Tensor targets = at::zeros({static_cast<int64_t>(n), static_cast<int64_t>(classes)});
    float* image_data = images.data_ptr<float>();
    float* target_data = targets.data_ptr<float>();
    std::vector<std::thread> pool;
    std::vector<std::string> errors(threads);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        try {
          for (size_t j = t; j < n; j += threads) {
            const data::SampleLocation where = val_->locate(mine[begin + j]);
            const auto shard = val_->shard(where.shard);
            const data::RecordView record = shard->record(where.record);
            transform.apply(
                record.image_bytes.data, record.image_bytes.size,
                fmt::format("{} record {}", val_->shard_path(where.shard), where.record),
                image_data + j * floats);
            fill_target(record.labels.data, record.labels.size, classes, options_.loss,
                        target_data + j * classes);
          }
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      });
    }
    for (auto& thread : pool) thread.join();
    for (const auto& failure : errors) {
      fail_if(!failure.empty(), "wsl evaluation: {}", failure);
    }
    const at::Tensor logits = model_->forward(input_layout(images.to(context.device)));
    const at::Tensor on_device = targets.to(context.device);
    top1.sum += hashtag_topk_hits(logits, on_device, 1);
    top5.sum += hashtag_topk_hits(logits, on_device, 5);
    loss.sum += hashtag_loss(logits, on_device, options_.loss).item<double>() * n;
    top1.count += n;
    top5.count += n;
    loss.count += n;
  }
  return {{"top1", top1}, {"top5", top5}, {"loss", loss}};
}

}  // namespace ptk::vision
