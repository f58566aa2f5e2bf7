// The BERT modules: HF's state-dict keys and parameter counts, HF's initialisation, the post-LN
// layer formula with the exact erf GELU, padding invariance, dropout only in training, the MLM
// decoder tied to the word embeddings and evaluated only at selected positions, the heads and
// their losses, and ptk::Error on bad input.
#include <ATen/ATen.h>
#include <torch/autograd.h>
#include <torch/optim/adam.h>

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/state_dict.h"
#include "common/train/precision.h"
#include "tests/common/train/device_cases.h"
#include "text/models/bert.h"
#include "text/models/bert_heads.h"

namespace ptk::text {
namespace {

std::vector<std::string> state_keys(const torch::nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& [name, tensor] : io::module_state_dict(module)) keys.push_back(name);
  return keys;
}

at::Tensor param(const torch::nn::Module& module, const std::string& name) {
  for (const auto& item : module.named_parameters()) {
    if (item.key() == name) return item.value();
  }
  throw std::runtime_error("no parameter " + name);
}

BertConfig small_config() {
  BertConfig c = bert_config("bert-tiny");
  c.vocab_size = 97;
  c.hidden_size = 32;
  c.num_attention_heads = 4;
  c.intermediate_size = 48;
  c.max_position_embeddings = 16;
  return c;
}

at::Tensor random_ids(int64_t batch, int64_t length, int64_t vocab) {
  return at::randint(1, vocab, {batch, length}, at::kLong);
}

// Runs `f`, expects a ptk::Error whose message contains `needle`.
template <typename F>
void expect_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Bert, ParameterCountsEqualFormulaAndReference) {
  const BertConfig base = bert_config("bert-base");
  EXPECT_EQ(count_parameters(*BertModel(base)), 109482240);
  EXPECT_EQ(count_parameters(*BertForPreTraining(base)), pretraining_parameter_count(base));
  const BertConfig large = bert_config("bert-large");
  EXPECT_EQ(count_parameters(*BertModel(large)), parameter_count(large));
  BertConfig pre = small_config();
  pre.pre_layer_norm = true;
  EXPECT_EQ(count_parameters(*BertForPreTraining(pre)), pretraining_parameter_count(pre));
  EXPECT_EQ(count_parameters(*BertForSequenceClassification(small_config(), 3)),
            sequence_classification_parameter_count(small_config(), 3));
}

TEST(Bert, PreTrainingStateDictKeysAreHuggingFaces) {
  BertConfig config = bert_config("bert-tiny");
  config.num_hidden_layers = 2;
  // HF BertForPreTraining(config).state_dict() keys, in order, without the tied
  // cls.predictions.decoder.* entries and the non-persistent embeddings.position_ids buffer.
  std::vector<std::string> expected = {
      "bert.embeddings.word_embeddings.weight",
      "bert.embeddings.position_embeddings.weight",
      "bert.embeddings.token_type_embeddings.weight",
      "bert.embeddings.LayerNorm.weight",
      "bert.embeddings.LayerNorm.bias",
  };
  for (int i = 0; i < 2; ++i) {
    const std::string p = "bert.encoder.layer." + std::to_string(i) + ".";
    for (const char* suffix :
         {"attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
          "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias",
          "attention.output.dense.weight", "attention.output.dense.bias",
          "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
          "intermediate.dense.weight", "intermediate.dense.bias", "output.dense.weight",
          "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"}) {
      expected.push_back(p + suffix);
    }
  }
  for (const char* key :
       {"bert.pooler.dense.weight", "bert.pooler.dense.bias", "cls.predictions.bias",
        "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
        "cls.seq_relationship.weight", "cls.seq_relationship.bias"}) {
    expected.push_back(key);
  }
  BertForPreTraining model(config);
  EXPECT_EQ(state_keys(*model), expected);
  EXPECT_EQ(model->named_buffers().size(), 0u);
  EXPECT_EQ(param(*model, "cls.predictions.bias").sizes(), at::IntArrayRef({config.vocab_size}));
  EXPECT_EQ(param(*model, "cls.seq_relationship.weight").sizes(), at::IntArrayRef({2, 128}));
}

TEST(Bert, SequenceClassificationKeysAreBertThenClassifier) {
  const std::vector<std::string> keys =
      state_keys(*BertForSequenceClassification(small_config(), 3));
  ASSERT_GE(keys.size(), 3u);
  EXPECT_EQ(keys.front(), "bert.embeddings.word_embeddings.weight");
  EXPECT_EQ(keys[keys.size() - 3], "bert.pooler.dense.bias");
  EXPECT_EQ(keys[keys.size() - 2], "classifier.weight");
  EXPECT_EQ(keys.back(), "classifier.bias");
}

TEST(Bert, PreLayerNormUsesMegatronLayoutAndRuns) {
  BertConfig config = small_config();
  config.pre_layer_norm = true;
  at::manual_seed(3);
  BertModel model(config);
  model->eval();
  const std::vector<std::string> keys = state_keys(*model);
  const auto has = [&](const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  EXPECT_TRUE(has("encoder.layer.0.attention.ln.weight"));
  EXPECT_TRUE(has("encoder.layer.1.ln.bias"));
  EXPECT_TRUE(has("encoder.ln.weight"));
  EXPECT_FALSE(has("embeddings.LayerNorm.weight"));
  EXPECT_FALSE(has("encoder.layer.0.output.LayerNorm.weight"));
  const at::Tensor ids = random_ids(2, 7, config.vocab_size);
  const BertModelOutput out = model->forward(ids);
  EXPECT_EQ(out.sequence_output.sizes(), at::IntArrayRef({2, 7, 32}));
  EXPECT_TRUE(out.sequence_output.isfinite().all().item<bool>());
  // The final LayerNorm (weight 1, bias 0) normalises every position.
  EXPECT_LT(out.sequence_output.mean(-1).abs().max().item<double>(), 1e-5);
}

TEST(Bert, InitialisationFollowsHuggingFace) {
  BertConfig config = bert_config("bert-tiny");
  config.pad_token_id = 5;
  at::manual_seed(0);
  BertForPreTraining model(config);
  const at::Tensor word = param(*model, "bert.embeddings.word_embeddings.weight");
  EXPECT_NEAR(word.std().item<double>(), 0.02, 0.0005);
  EXPECT_EQ(word[5].abs().max().item<double>(), 0.0);
  EXPECT_NEAR(param(*model, "bert.encoder.layer.1.intermediate.dense.weight").std().item<double>(),
              0.02, 0.001);
  EXPECT_NEAR(param(*model, "cls.predictions.transform.dense.weight").std().item<double>(), 0.02,
              0.001);
  for (const auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    const at::Tensor& t = item.value();
    if (name.find("LayerNorm.weight") != std::string::npos) {
      EXPECT_TRUE(t.eq(1).all().item<bool>()) << name;
    } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      EXPECT_TRUE(t.eq(0).all().item<bool>()) << name;
    }
  }
}

// One post-LN encoder layer written out from the formula, HF's eager attention included.
at::Tensor reference_layer(const torch::nn::Module& layer, const at::Tensor& x,
                           const at::Tensor& additive_mask, int64_t heads, bool erf_gelu) {
  const auto lin = [&](const at::Tensor& in, const std::string& p) {
    return at::matmul(in, param(layer, p + ".weight").t()) + param(layer, p + ".bias");
  };
  const auto norm = [&](const at::Tensor& in, const std::string& p) {
    const at::Tensor mean = in.mean(-1, true);
    const at::Tensor var = (in - mean).pow(2).mean(-1, true);
    return (in - mean) / at::sqrt(var + 1e-12) * param(layer, p + ".weight") +
           param(layer, p + ".bias");
  };
  const auto gelu = [&](const at::Tensor& v) {
    if (erf_gelu) return 0.5 * v * (1.0 + at::erf(v / std::sqrt(2.0)));
    return 0.5 * v * (1.0 + at::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v.pow(3))));
  };
  const int64_t b = x.size(0), t = x.size(1), h = x.size(2), d = h / heads;
  const auto split = [&](const at::Tensor& v) {
    return v.view({b, t, heads, d}).permute({0, 2, 1, 3});
  };
  const at::Tensor q = split(lin(x, "attention.self.query"));
  const at::Tensor k = split(lin(x, "attention.self.key"));
  const at::Tensor v = split(lin(x, "attention.self.value"));
  const at::Tensor probs =
      at::softmax(at::matmul(q, k.transpose(2, 3)) / std::sqrt(double(d)) + additive_mask, -1);
  const at::Tensor context = at::matmul(probs, v).permute({0, 2, 1, 3}).reshape({b, t, h});
  const at::Tensor a =
      norm(lin(context, "attention.output.dense") + x, "attention.output.LayerNorm");
  return norm(lin(gelu(lin(a, "intermediate.dense")), "output.dense") + a, "output.LayerNorm");
}

TEST(Bert, LayerIsPostLayerNormWithExactErfGelu) {
  BertConfig config = small_config();
  config.initializer_range = 0.3;  // large pre-activations, where erf and tanh GELU differ
  at::manual_seed(11);
  BertLayer layer(config);
  layer->to(at::kDouble);
  layer->eval();
  const at::Tensor x = at::randn({2, 6, 32}, at::kDouble) * 2;
  const at::Tensor mask = additive_attention_mask(
      at::tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, at::kLong).view({2, 6}), at::kDouble);
  const at::Tensor ours = layer->forward(x, mask);
  const double erf_diff =
      (ours - reference_layer(*layer, x, mask, 4, true)).abs().max().item<double>();
  const double tanh_diff =
      (ours - reference_layer(*layer, x, mask, 4, false)).abs().max().item<double>();
  EXPECT_LT(erf_diff, 1e-9);
  EXPECT_GT(tanh_diff, 1e-5);
}

TEST(Bert, AdditiveMaskUsesTheDtypesLowestValue) {
  const at::Tensor mask = at::tensor({1, 0}, at::kLong).view({1, 2});
  const at::Tensor f = additive_attention_mask(mask, at::kFloat);
  EXPECT_EQ(f.sizes(), at::IntArrayRef({1, 1, 1, 2}));
  EXPECT_EQ(f[0][0][0][0].item<float>(), 0.0f);
  EXPECT_EQ(f[0][0][0][1].item<float>(), std::numeric_limits<float>::lowest());
  EXPECT_EQ(additive_attention_mask(mask, at::kHalf)[0][0][0][1].item<float>(), -65504.0f);
}

TEST(Bert, PaddingDoesNotChangeOutputsAtRealTokens) {
  const BertConfig config = small_config();
  at::manual_seed(5);
  BertForPreTraining model(config);
  model->eval();
  at::Tensor ids = random_ids(2, 9, config.vocab_size);
  at::Tensor types = at::zeros({2, 9}, at::kLong);
  types.narrow(1, 4, 5).fill_(1);
  at::Tensor mask = at::ones({2, 9}, at::kLong);
  mask[1].narrow(0, 6, 3).fill_(0);
  const BertPreTrainingOutput a = model->forward(ids, types, mask);
  at::Tensor other = ids.clone();
  other[1].narrow(0, 6, 3).fill_(0);  // different tokens at the padding
  const BertPreTrainingOutput b = model->forward(other, types, mask);
  EXPECT_LT((a.sequence_output[1].narrow(0, 0, 6) - b.sequence_output[1].narrow(0, 0, 6))
                .abs()
                .max()
                .item<double>(),
            1e-6);
  EXPECT_LT((a.nsp_logits - b.nsp_logits).abs().max().item<double>(), 1e-6);
  // And equal to the unpadded sequence run alone.
  const BertPreTrainingOutput alone =
      model->forward(ids[1].narrow(0, 0, 6).unsqueeze(0), types[1].narrow(0, 0, 6).unsqueeze(0));
  EXPECT_LT(
      (alone.sequence_output[0] - a.sequence_output[1].narrow(0, 0, 6)).abs().max().item<double>(),
      1e-5);
  EXPECT_LT((alone.pooled_output[0] - a.pooled_output[1]).abs().max().item<double>(), 1e-5);
  // The mask matters: without it, padding tokens leak into the real ones.
  const BertPreTrainingOutput unmasked = model->forward(ids, types);
  EXPECT_GT((unmasked.sequence_output[1].narrow(0, 0, 6) - a.sequence_output[1].narrow(0, 0, 6))
                .abs()
                .max()
                .item<double>(),
            1e-4);
}

TEST(Bert, EvalIsDeterministicAndTrainingAppliesDropout) {
  const BertConfig config = small_config();
  at::manual_seed(9);
  BertModel model(config);
  const at::Tensor ids = random_ids(3, 8, config.vocab_size);
  model->eval();
  const at::Tensor e1 = model->forward(ids).sequence_output;
  const at::Tensor e2 = model->forward(ids).sequence_output;
  EXPECT_TRUE(at::equal(e1, e2));
  model->train();
  const at::Tensor t1 = model->forward(ids).sequence_output;
  const at::Tensor t2 = model->forward(ids).sequence_output;
  EXPECT_GT((t1 - t2).abs().max().item<double>(), 1e-3);
  EXPECT_GT((t1 - e1).abs().max().item<double>(), 1e-3);
}

TEST(Bert, MlmDecoderIsTheWordEmbeddingMatrix) {
  const BertConfig config = small_config();
  at::manual_seed(2);
  BertForPreTraining model(config);
  model->eval();
  for (const auto& item : model->named_parameters()) {
    EXPECT_EQ(item.key().find("decoder"), std::string::npos) << item.key();
  }
  const at::Tensor ids = random_ids(2, 6, config.vocab_size);
  const at::Tensor masked = at::tensor({1, 7, 10}, at::kLong);
  const at::Tensor before = model->forward(ids, {}, {}, masked).mlm_logits;
  EXPECT_EQ(before.sizes(), at::IntArrayRef({3, config.vocab_size}));
  // Token 0 never occurs in `ids` (random_ids draws from 1..V-1), so only the decoder uses its row.
  {
    torch::NoGradGuard no_grad;
    param(*model, "bert.embeddings.word_embeddings.weight")[0].add_(at::randn({32}));
  }
  const at::Tensor after = model->forward(ids, {}, {}, masked).mlm_logits;
  EXPECT_GT((after.select(1, 0) - before.select(1, 0)).abs().max().item<double>(), 1e-3);
  EXPECT_TRUE(at::equal(after.narrow(1, 1, config.vocab_size - 1),
                        before.narrow(1, 1, config.vocab_size - 1)));
  // Gradients of the MLM logits reach every row of the word embeddings through the decoder.
  model->forward(ids, {}, {}, masked).mlm_logits.sum().backward();
  const at::Tensor grad = param(*model, "bert.embeddings.word_embeddings.weight").grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_TRUE(grad.abs().sum(1).gt(0).all().item<bool>());
}

TEST(Bert, MlmPositionFormsSelectTheSameRows) {
  const BertConfig config = small_config();
  at::manual_seed(4);
  BertForPreTraining model(config);
  model->eval();
  const at::Tensor ids = random_ids(2, 5, config.vocab_size);
  at::Tensor bool_mask = at::zeros({2, 5}, at::kBool);
  bool_mask[0][1] = true;
  bool_mask[0][3] = true;
  bool_mask[1][0] = true;
  bool_mask[1][4] = true;
  const at::Tensor from_bool = model->forward(ids, {}, {}, bool_mask).mlm_logits;
  const at::Tensor from_flat =
      model->forward(ids, {}, {}, at::tensor({1, 3, 5, 9}, at::kInt)).mlm_logits;
  const at::Tensor from_positions =
      model->forward(ids, {}, {}, at::tensor({1, 3, 0, 4}, at::kLong).view({2, 2})).mlm_logits;
  EXPECT_EQ(from_bool.sizes(), at::IntArrayRef({4, config.vocab_size}));
  EXPECT_TRUE(at::allclose(from_bool, from_flat));
  EXPECT_TRUE(at::allclose(from_bool, from_positions));
  // Row 2 is the MLM head at (batch 1, position 0).
  const at::Tensor sequence = model->forward(ids).sequence_output;
  EXPECT_TRUE(at::allclose(from_bool[2], model->mlm_head(sequence[1][0].unsqueeze(0))[0]));
  EXPECT_FALSE(model->forward(ids).mlm_logits.defined());
  EXPECT_EQ(model->forward(ids).nsp_logits.sizes(), at::IntArrayRef({2, 2}));
}

TEST(Bert, BadInputsThrowErrorsNamingTheProblem) {
  const BertConfig config = small_config();
  BertForPreTraining model(config);
  const at::Tensor ids = random_ids(2, 5, config.vocab_size);
  at::Tensor too_big = ids.clone();
  too_big[1][2] = config.vocab_size;
  expect_error([&] { model->forward(too_big); }, "input_ids must be in [0, 97)");
  expect_error([&] { model->forward(ids.neg()); }, "input_ids");
  expect_error([&] { model->forward(ids[0]); }, "input_ids must be [batch, length]");
  expect_error([&] { model->forward(ids.to(at::kFloat)); }, "integer");
  expect_error([&] { model->forward(random_ids(1, 17, config.vocab_size)); },
               "max_position_embeddings = 16");
  expect_error(
      [&] {
        model->forward(ids, at::full({2, 5}, 2, at::kLong));
      },
      "token_type_ids must be in [0, 2)");
  expect_error([&] { model->forward(ids, at::zeros({2, 4}, at::kLong)); }, "token_type_ids");
  expect_error([&] { model->forward(ids, {}, at::ones({2, 6}, at::kLong)); }, "attention_mask");
  expect_error([&] { model->forward(ids, {}, {}, at::tensor({10}, at::kLong)); },
               "flat MLM indices");
  expect_error(
      [&] {
        model->forward(ids, {}, {}, at::tensor({5, 0}, at::kLong).view({2, 1}));
      },
      "MLM positions");
  expect_error(
      [&] {
        model->forward(ids, {}, {}, at::ones({2, 4}, at::kBool));
      },
      "boolean MLM mask");
  expect_error([&] { model->forward(ids, {}, {}, at::ones({3}, at::kFloat)); },
               "bool mask or an integer");
  expect_error([&] { BertForSequenceClassification(config, 0); }, "num_labels");
  BertConfig bad = config;
  bad.num_attention_heads = 5;
  expect_error([&] { BertModel{bad}; }, "num_attention_heads");
}

TEST(Bert, SequenceClassificationAndRegressionHeads) {
  const BertConfig config = small_config();
  at::manual_seed(8);
  BertForSequenceClassification classifier(config, 3);
  classifier->eval();
  const at::Tensor ids = random_ids(4, 6, config.vocab_size);
  const at::Tensor logits = classifier->forward(ids);
  EXPECT_EQ(logits.sizes(), at::IntArrayRef({4, 3}));
  const at::Tensor labels = at::tensor({0, 2, 1, 2}, at::kLong);
  EXPECT_NEAR(sequence_classification_loss(logits, labels).item<double>(),
              -at::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).mean().item<double>(),
              1e-6);
  expect_error(
      [&] {
        sequence_classification_loss(logits, at::tensor({0, 3, 1, 2}, at::kLong));
      },
      "classification labels");
  expect_error(
      [&] {
        sequence_classification_loss(logits, at::tensor({0, 1}, at::kLong));
      },
      "labels [B]");

  BertForSequenceClassification regression(config, 1);
  regression->eval();
  const at::Tensor scores = regression->forward(ids);
  EXPECT_EQ(scores.sizes(), at::IntArrayRef({4, 1}));
  const at::Tensor targets = at::tensor({0.5, 1.0, 4.5, 3.0}, at::kFloat);
  EXPECT_NEAR(sequence_classification_loss(scores, targets).item<double>(),
              (scores.squeeze(1) - targets).pow(2).mean().item<double>(), 1e-6);
}

TEST(Bert, PretrainingLossIgnoresPaddedLabelsAndTrains) {
  const BertConfig config = small_config();
  at::manual_seed(12);
  BertForPreTraining model(config);
  const at::Tensor ids = random_ids(4, 8, config.vocab_size);
  const at::Tensor positions = at::tensor({1, 2, 3, 0, 2, 0, 5, 6}, at::kLong).view({4, 2});
  const at::Tensor labels = at::tensor({5, 6, 7, -100, 9, -100, 11, 12}, at::kLong);
  const at::Tensor nsp = at::tensor({0, 1, 1, 0}, at::kLong);
  model->eval();
  const BertPreTrainingOutput out = model->forward(ids, {}, {}, positions);
  // The ignored rows do not count: same loss as computing on the six real rows only.
  const at::Tensor keep = labels.ne(-100);
  const double expected =
      at::cross_entropy_loss(out.mlm_logits.index({keep}), labels.index({keep})).item<double>() +
      at::cross_entropy_loss(out.nsp_logits, nsp).item<double>();
  EXPECT_NEAR(pretraining_loss(out, labels, nsp).item<double>(), expected, 1e-5);
  expect_error([&] { pretraining_loss(out, labels.narrow(0, 0, 4), nsp); }, "MLM label");
  expect_error(
      [&] {
        pretraining_loss(out, labels, at::tensor({0, 1, 2, 0}, at::kLong));
      },
      "NSP labels");

  model->train();
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(5e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    const at::Tensor loss = pretraining_loss(model->forward(ids, {}, {}, positions), labels, nsp);
    loss.backward();
    adam.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, 0.5 * first);
}

// ---- on each device -------------------------------------------------------------------------
// The paths a GPU run takes (cuBLAS, the fused attention kernels behind SDPA with a padding mask,
// bf16 autocast) against the CPU's fp32 result; the CPU instance checks the same properties
// where they are exact.

class BertOnDevice : public ptk::testing::OnDevice {
 protected:
  // Two sequences of 9 tokens, the second padded after 6, segment B from position 4, and four
  // MLM positions; on the CPU, as a data loader yields them.
  struct Inputs {
    at::Tensor ids, types, mask, positions;
    Inputs to(const c10::Device& device) const {
      return {ids.to(device), types.to(device), mask.to(device), positions.to(device)};
    }
  };

  // The small BERT in eval mode, its fp32 outputs for in_ on the CPU (expected_), and then the
  // model moved to the device.
  void SetUp() override {
    OnDevice::SetUp();
    if (IsSkipped()) return;
    config_ = small_config();
    at::manual_seed(31);
    model_ = BertForPreTraining(config_);
    model_->eval();
    in_.ids = random_ids(2, 9, config_.vocab_size);
    in_.types = at::zeros({2, 9}, at::kLong);
    in_.types.narrow(1, 4, 5).fill_(1);
    in_.mask = at::ones({2, 9}, at::kLong);
    in_.mask[1].narrow(0, 6, 3).fill_(0);
    in_.positions = at::tensor({1, 3, 0, 5}, at::kLong).view({2, 2});
    expected_ = run(in_);
    model_->to(device());
  }

  BertPreTrainingOutput run(const Inputs& in) {
    return model_->forward(in.ids, in.types, in.mask, in.positions);
  }

  // Every output within `tolerance` of expected_, relative to its size.
  void expect_near_expected(const BertPreTrainingOutput& actual, double tolerance) const {
    EXPECT_LT(ptk::testing::relative_error(actual.sequence_output, expected_.sequence_output),
              tolerance);
    EXPECT_LT(ptk::testing::relative_error(actual.pooled_output, expected_.pooled_output),
              tolerance);
    EXPECT_LT(ptk::testing::relative_error(actual.mlm_logits, expected_.mlm_logits), tolerance);
    EXPECT_LT(ptk::testing::relative_error(actual.nsp_logits, expected_.nsp_logits), tolerance);
  }

  BertConfig config_;
  BertForPreTraining model_{nullptr};
  Inputs in_;
  BertPreTrainingOutput expected_;
};

TEST_P(BertOnDevice, ForwardWithPaddingMatchesTheCpuResult) {
  at::NoGradGuard no_grad;
  const BertPreTrainingOutput out = run(in_.to(device()));
  EXPECT_EQ(out.sequence_output.device().type(), GetParam());
  EXPECT_EQ(out.mlm_logits.sizes(), at::IntArrayRef({4, config_.vocab_size}));
  expect_near_expected(out, on_cuda() ? ptk::testing::kCudaFp32Tolerance : 1e-6);
}

TEST_P(BertOnDevice, Bf16AutocastForwardStaysNearTheCpuResultAndIgnoresPadding) {
  Inputs other = in_;
  other.ids = in_.ids.clone();
  other.ids[1].narrow(0, 6, 3).fill_(0);  // different tokens at the padding
  BertPreTrainingOutput out, with_other_padding;
  {
    at::NoGradGuard no_grad;
    train::AutocastScope autocast(train::resolve_precision("auto", device()), device());
    out = run(in_.to(device()));
    with_other_padding = run(other.to(device()));
  }
  // The MLM decoder is a linear layer: bf16 under CUDA autocast, fp32 where autocast is off.
  EXPECT_EQ(out.mlm_logits.scalar_type(), on_cuda() ? at::kBFloat16 : at::kFloat);
  EXPECT_TRUE(ptk::testing::all_finite(out.sequence_output));
  expect_near_expected(out, on_cuda() ? ptk::testing::kBf16Tolerance : 1e-6);
  // The additive mask, cast to the attention's dtype, still removes the padded keys entirely.
  EXPECT_LT(ptk::testing::relative_error(with_other_padding.sequence_output[1].narrow(0, 0, 6),
                                         out.sequence_output[1].narrow(0, 0, 6)),
            1e-5);
}

TEST_P(BertOnDevice, Bf16TrainingLowersThePretrainingLoss) {
  model_->train();
  const Inputs in = in_.to(device());
  const at::Tensor labels = at::tensor({5, 6, 7, -100}, at::kLong).to(device());
  const at::Tensor nsp = at::tensor({0, 1}, at::kLong).to(device());
  const train::Precision precision = train::resolve_precision("auto", device());
  torch::optim::Adam adam(model_->parameters(), torch::optim::AdamOptions(5e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    at::Tensor loss;
    {
      train::AutocastScope autocast(precision, device());
      loss = pretraining_loss(run(in), labels, nsp);
    }
    loss.backward();
    adam.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, 0.5 * first);
  for (const auto& item : model_->named_parameters()) {
    EXPECT_TRUE(ptk::testing::all_finite(item.value())) << item.key();
  }
}

INSTANTIATE_TEST_SUITE_P(CPU, BertOnDevice, ::testing::Values(c10::kCPU));
INSTANTIATE_TEST_SUITE_P(CUDA, BertOnDevice, ::testing::Values(c10::kCUDA));

}  // namespace
}  // namespace ptk::text
