#include "text/pretraining/bert_task.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "common/base/error.h"
#include "common/data/loader.h"
#include "common/data/shard_format.h"
#include "common/data/stream_loader.h"
#include "common/train/checkpoint.h"
#include "text/models/bert_heads.h"
#include "text/models/hf_bert_keys.h"
#include "text/pretraining/bert_batch.h"

namespace ptk::text {

namespace {

// Records read to estimate the most-frequent-token baseline at train start: enough for a
// stable share, bounded so that a billion-record corpus does not delay the first step.
constexpr uint64_t kBaselineRecords = 200000;

// A rank's micro-batches: one data::Loader per accumulation micro-step, as virtual rank
// m * world_size + r of world_size * accumulation, which is exactly slice_for's layout, so
// N ranks read the samples one rank with the same global batch reads.
class BertStream : public train::BatchStream {
 public:
  BertStream(std::shared_ptr<const data::ShardSet> shards, const data::EpochOrder& order,
             const train::StreamSpec& spec, const BertTaskOptions& options,
             const MaskingVocab& vocab, int32_t pad_id)
      : length_(options.max_seq_length), pad_id_(pad_id) {
    if (static_cast<int64_t>(order.epoch_length()) != spec.samples_per_epoch) {
      throw error(
          "bert stream: the epoch order has {} samples per epoch but the trainer expects {}",
          order.epoch_length(), spec.samples_per_epoch);
    }
    const int per_loader = data::threads_per_loader(spec, options.threads);
    const int64_t length = options.max_seq_length;
    const MaskingPolicy policy = options.masking;
    // The masking view refers to the task's vocabulary, which outlives every stream.
    auto decode = [length, policy, &vocab](const data::RecordView& record, data::SampleRng& rng) {
      return make_bert_sample(record, length, policy, vocab, rng);
    };
    for (int64_t m = 0; m < spec.accumulation; ++m) {
      data::LoaderOptions o =
          data::loader_options(spec, m, per_loader, /*prefetch_batches=*/4, options.seed);
      loaders_.push_back(std::make_unique<data::Loader<BertSample>>(shards, order, o, decode));
    }
  }

  train::Batch next() override {
    std::optional<data::Batch<BertSample>> batch = loaders_[micro_step_]->next();
    micro_step_ = (micro_step_ + 1) % loaders_.size();
    fail_if(!batch, "bert stream: the loader ended (it is opened without an end)");
    return collate_bert(batch->samples, length_, pad_id_);
  }

 private:
  int64_t length_;
  int32_t pad_id_;
  std::vector<std::unique_ptr<data::Loader<BertSample>>> loaders_;
  size_t micro_step_ = 0;
};

}  // namespace

PretrainingVocab read_shard_vocab(const data::ShardSet& shards) {
  const std::string path = shards.dir() + "/" + kPretrainingVocabFile;
  PretrainingVocab vocab = PretrainingVocab::read(path);
  const auto& attributes = shards.manifest().attributes;
  auto hash = attributes.find(data::kAttrTokenizerHash);
  if (hash != attributes.end() && hash->second != vocab.tokenizer_hash) {
    throw error("{}: the shards were tokenized with tokenizer {} but {} describes tokenizer {}",
                shards.dir(), hash->second, path, vocab.tokenizer_hash);
  }
  return vocab;
}

BertTask::BertTask(BertTaskOptions options) : options_(std::move(options)) {
  if (options_.shards.empty()) throw usage_error("data.shards is required (a token shard set)");
  shards_ = std::make_shared<const data::ShardSet>(options_.shards);
  if (shards_->kind() != data::ShardKind::kToken) {
    throw usage_error("data.shards: '{}' is not a token shard set", options_.shards);
  }
  shards_->check_files();
  if (shards_->num_samples() == 0) {
    throw error("data.shards: '{}' has no samples", options_.shards);
  }
  const auto& attributes = shards_->manifest().attributes;
  auto packed = attributes.find("max_seq_length");
  if (packed != attributes.end() && std::stoll(packed->second) > options_.max_seq_length) {
    throw usage_error(
        "data.shards: '{}' was packed at length {}, longer than this phase's max_seq_length {}",
        options_.shards, packed->second, options_.max_seq_length);
  }
  vocab_ = read_shard_vocab(*shards_);
  masking_ = vocab_.masking_vocab();
  // NSP is trained when the shards carry labels (classic packing); contiguous packing has none.
  has_nsp_ = shards_->shard(0)->record(0).nsp_label >= 0;

  // The baseline over the first records (the shard order is the corpus order).
  {
    uint64_t remaining = kBaselineRecords;
    std::vector<int64_t> counts(static_cast<size_t>(masking_.vocab_size), 0);
    int64_t total = 0;
    for (size_t s = 0; s < shards_->num_shards() && remaining > 0; ++s) {
      const auto shard = shards_->shard(s);
      for (uint64_t i = 0; i < shard->num_records() && remaining > 0; ++i, --remaining) {
        for (int32_t id : shard->record(i).tokens) {
          if (id >= 0 && id < masking_.vocab_size && !masking_.is_special(id)) {
            ++counts[static_cast<size_t>(id)];
            ++total;
          }
        }
      }
    }
    const auto best = std::max_element(counts.begin(), counts.end());
    baseline_.token = static_cast<int32_t>(best - counts.begin());
    baseline_.tokens = total;
    baseline_.share = total > 0 ? static_cast<double>(*best) / static_cast<double>(total) : 0.0;
  }

  order_ = std::make_unique<data::EpochOrder>(shards_->num_samples(), options_.seed);
  BertConfig config = options_.model;
  config.vocab_size = vocab_.size();
  config.pad_token_id = vocab_.specials.pad;
  validate(config);
  model_ = std::make_shared<BertForPreTrainingImpl>(config);
  spdlog::info(
      "bert: {} layers x {} hidden, vocab {} ({} parameters); {} sequences of <= {} tokens in "
      "{}{}; most-frequent-token MLM baseline {:.4f} ('{}', over {} tokens)",
      config.num_hidden_layers, config.hidden_size, config.vocab_size,
      pretraining_parameter_count(config), shards_->num_samples(), options_.max_seq_length,
      options_.shards, has_nsp_ ? ", with NSP" : ", no NSP", baseline_.share,
      vocab_.pieces[static_cast<size_t>(baseline_.token)], baseline_.tokens);
}

BertTask::~BertTask() = default;

torch::nn::Module& BertTask::model() { return *model_; }

io::StateDict BertTask::adapt_imported_weights(io::StateDict state) const {
  return from_hf_bert_keys(std::move(state));
}

int64_t BertTask::samples_per_epoch() const { return static_cast<int64_t>(order_->epoch_length()); }

std::unique_ptr<train::BatchStream> BertTask::open_train_stream(const train::StreamSpec& spec) {
  return std::make_unique<BertStream>(shards_, *order_, spec, options_, masking_,
                                      vocab_.specials.pad);
}

void BertTask::load_weights(const std::string& checkpoint_dir) {
  io::load_module_state_dict(*model_, train::read_checkpoint_model(checkpoint_dir),
                             /*strict=*/true);
}

train::LossOutput BertTask::compute_loss(const train::Batch& batch) {
  const at::Tensor& labels = batch.at("masked_labels");
  const BertPreTrainingOutput out =
      model_->forward(batch.at("input_ids"), batch.at("token_type_ids"), batch.at("attention_mask"),
                      batch.at("masked_positions"));
  train::LossOutput result;
  const int64_t masked = labels.size(0);
  at::Tensor loss;
  if (masked > 0) {
    const at::Tensor logits = out.mlm_logits.to(at::kFloat);
    at::Tensor mlm_loss = at::cross_entropy_loss(logits, labels);
    const double correct = logits.argmax(1).eq(labels).sum().item<double>();
    result.metrics["mlm_acc"] = {correct, static_cast<double>(masked)};
    result.metrics["mlm_loss"] = {mlm_loss.detach().item<double>() * masked,
                                  static_cast<double>(masked)};
    loss = mlm_loss;
  } else {
    // No masked position (all-special sequences): a zero loss that keeps the graph.
    loss = out.pooled_output.sum() * 0.0;
  }
  if (has_nsp_) {
    const at::Tensor& nsp = batch.at("nsp_labels");
    const at::Tensor valid = nsp.ge(0);
    const int64_t count = valid.sum().item<int64_t>();
    if (count > 0) {
      const at::Tensor logits = out.nsp_logits.to(at::kFloat).index({valid});
      const at::Tensor targets = nsp.index({valid});
      const at::Tensor nsp_loss = at::cross_entropy_loss(logits, targets);
      result.metrics["nsp_acc"] = {logits.argmax(1).eq(targets).sum().item<double>(),
                                   static_cast<double>(count)};
      result.metrics["nsp_loss"] = {nsp_loss.detach().item<double>() * count,
                                    static_cast<double>(count)};
      loss = loss + nsp_loss;
    }
  }
  result.loss = loss;
  return result;
}

}  // namespace ptk::text
