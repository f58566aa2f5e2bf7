// BertConfig without LibTorch: presets, the closed-form parameter counts against the published
// bert-base/bert-large numbers, validation errors that name the field, and HF config.json
// written and read back (including a config.json as HF ships it for bert-base-uncased).
#include "text/models/bert_config.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/base/error.h"
#include "tests/common/io/test_dir.h"

namespace ptk::text {
namespace {

void expect_same(const BertConfig& a, const BertConfig& b) {
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.hidden_size, b.hidden_size);
  EXPECT_EQ(a.num_hidden_layers, b.num_hidden_layers);
  EXPECT_EQ(a.num_attention_heads, b.num_attention_heads);
  EXPECT_EQ(a.intermediate_size, b.intermediate_size);
  EXPECT_EQ(a.hidden_act, b.hidden_act);
  EXPECT_EQ(a.hidden_dropout_prob, b.hidden_dropout_prob);
  EXPECT_EQ(a.attention_probs_dropout_prob, b.attention_probs_dropout_prob);
  EXPECT_EQ(a.max_position_embeddings, b.max_position_embeddings);
  EXPECT_EQ(a.type_vocab_size, b.type_vocab_size);
  EXPECT_EQ(a.initializer_range, b.initializer_range);
  EXPECT_EQ(a.layer_norm_eps, b.layer_norm_eps);
  EXPECT_EQ(a.pad_token_id, b.pad_token_id);
  EXPECT_EQ(a.pre_layer_norm, b.pre_layer_norm);
}

// Runs `f`, expects a usage ptk::Error whose message contains `needle`.
template <typename F>
void expect_usage_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BertConfig, PresetsHaveThePublishedShapes) {
  const BertConfig base = bert_config("bert-base");
  EXPECT_EQ(base.num_hidden_layers, 12);
  EXPECT_EQ(base.hidden_size, 768);
  EXPECT_EQ(base.num_attention_heads, 12);
  EXPECT_EQ(base.intermediate_size, 3072);
  EXPECT_EQ(base.vocab_size, 30522);
  EXPECT_EQ(base.max_position_embeddings, 512);
  EXPECT_EQ(base.type_vocab_size, 2);
  EXPECT_EQ(base.layer_norm_eps, 1e-12);
  EXPECT_EQ(base.hidden_act, "gelu");
  EXPECT_FALSE(base.pre_layer_norm);
  const BertConfig large = bert_config("bert-large");
  EXPECT_EQ(large.num_hidden_layers, 24);
  EXPECT_EQ(large.hidden_size, 1024);
  EXPECT_EQ(large.num_attention_heads, 16);
  EXPECT_EQ(large.intermediate_size, 4096);
  const BertConfig tiny = bert_config("bert-tiny");
  EXPECT_EQ(tiny.num_hidden_layers, 2);
  EXPECT_EQ(tiny.hidden_size, 128);
  EXPECT_EQ(tiny.num_attention_heads, 2);
  EXPECT_EQ(tiny.intermediate_size, 512);
  for (const std::string& name : bert_config_names()) EXPECT_NO_THROW(validate(bert_config(name)));
}

TEST(BertConfig, UnknownPresetListsValidNames) {
  expect_usage_error([] { bert_config("bert-huge"); }, "bert-base, bert-large, bert-tiny");
}

TEST(BertConfig, ParameterCountsMatchPublishedModels) {
  // HF: sum(p.numel() for p in BertModel(BertConfig()).parameters()).
  EXPECT_EQ(parameter_count(bert_config("bert-base")), 109482240);
  EXPECT_EQ(parameter_count(bert_config("bert-large")), 335141888);
  // HF BertForPreTraining (tied decoder counted once): 110,106,428 for bert-base.
  EXPECT_EQ(pretraining_parameter_count(bert_config("bert-base")), 110106428);
  EXPECT_EQ(sequence_classification_parameter_count(bert_config("bert-base"), 2),
            109482240 + 2 * 768 + 2);
  // Pre-LN moves the embeddings LayerNorm to the end of the encoder: same count.
  BertConfig pre = bert_config("bert-base");
  pre.pre_layer_norm = true;
  EXPECT_EQ(parameter_count(pre), 109482240);
}

TEST(BertConfig, ValidationNamesTheBadField) {
  const auto with = [](auto change) {
    BertConfig c = bert_config("bert-tiny");
    change(c);
    return c;
  };
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.num_attention_heads = 3; })); },
                     "num_attention_heads");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.vocab_size = 0; })); },
                     "vocab_size");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.hidden_act = "swish"; })); },
                     "hidden_act");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.hidden_dropout_prob = 1.5; })); },
                     "hidden_dropout_prob");
  expect_usage_error(
      [&] { validate(with([](BertConfig& c) { c.attention_probs_dropout_prob = -0.1; })); },
      "attention_probs_dropout_prob");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.pad_token_id = 30522; })); },
                     "pad_token_id");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.layer_norm_eps = 0; })); },
                     "layer_norm_eps");
  expect_usage_error([&] { validate(with([](BertConfig& c) { c.max_position_embeddings = -1; })); },
                     "max_position_embeddings");
}

TEST(BertConfig, HfJsonHasTheReferenceFieldsAndReadsBack) {
  BertConfig c = bert_config("bert-tiny");
  c.vocab_size = 1000;
  c.hidden_dropout_prob = 0.25;
  c.pad_token_id = 3;
  const std::string text = to_hf_json(c);
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["architectures"], nlohmann::json::array({"BertForPreTraining"}));
  EXPECT_EQ(json["model_type"], "bert");
  EXPECT_EQ(json["hidden_act"], "gelu");
  EXPECT_EQ(json["vocab_size"], 1000);
  EXPECT_EQ(json["layer_norm_eps"].get<double>(), 1e-12);
  EXPECT_EQ(json["initializer_range"].get<double>(), 0.02);
  EXPECT_EQ(json["pad_token_id"], 3);
  for (const char* key :
       {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
        "type_vocab_size"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  // Short decimals, as Python's json writes them.
  EXPECT_NE(text.find("\"layer_norm_eps\": 1e-12"), std::string::npos) << text;
  EXPECT_NE(text.find("\"attention_probs_dropout_prob\": 0.1,"), std::string::npos) << text;
  EXPECT_FALSE(json.contains("pre_layer_norm"));
  expect_same(from_hf_json(text), c);

  c.pre_layer_norm = true;
  expect_same(from_hf_json(to_hf_json(c)), c);
}

TEST(BertConfig, ReadsHuggingFaceBertBaseUncasedConfig) {
  // config.json as published with bert-base-uncased (extra keys are ignored).
  const std::string text = R"({
    "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
    "gradient_checkpointing": false, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
    "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
    "position_embedding_type": "absolute", "transformers_version": "4.6.0.dev0",
    "type_vocab_size": 2, "use_cache": true, "vocab_size": 30522})";
  expect_same(from_hf_json(text), bert_config("bert-base"));
}

TEST(BertConfig, BadHfJsonIsAUsageErrorNamingTheProblem) {
  expect_usage_error([] { from_hf_json("{\"hidden_size\": 768,", "x/config.json"); },
                     "x/config.json: not valid JSON");
  expect_usage_error([] { from_hf_json("[1, 2]"); }, "expected a JSON object");
  expect_usage_error([] { from_hf_json(R"({"hidden_size": "768"})"); }, "'hidden_size'");
  expect_usage_error([] { from_hf_json(R"({"hidden_size": 768.5})"); }, "'hidden_size'");
  expect_usage_error([] { from_hf_json(R"({"layer_norm_eps": "tiny"})"); }, "'layer_norm_eps'");
  expect_usage_error([] { from_hf_json(R"({"model_type": "roberta"})"); }, "roberta");
  expect_usage_error([] { from_hf_json(R"({"position_embedding_type": "relative_key"})"); },
                     "relative_key");
  expect_usage_error([] { from_hf_json(R"({"num_attention_heads": 7})"); }, "num_attention_heads");
  expect_usage_error([] { from_hf_json(R"({"pre_layer_norm": 1})"); }, "pre_layer_norm");
}

TEST(BertConfig, LoadsConfigFileAndNamesAMissingOne) {
  io::testing::TestDir dir;
  BertConfig c = bert_config("bert-mini");
  {
    std::ofstream out(dir.file("config.json"));
    out << to_hf_json(c);
  }
  expect_same(load_hf_config(dir.file("config.json")), c);
  expect_usage_error([&] { load_hf_config(dir.file("absent.json")); }, dir.file("absent.json"));
}

}  // namespace
}  // namespace ptk::text
