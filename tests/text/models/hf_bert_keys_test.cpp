// HF BERT checkpoints fit this toolkit's BertForPreTraining after from_hf_bert_keys: a bare
// BertModel gains "bert.", the tied decoder weight and HF's extra copies are dropped, and a
// BertForPreTraining state dict of this toolkit passes through unchanged.
#include "text/models/hf_bert_keys.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "text/models/bert_heads.h"

namespace ptk::text {
namespace {

std::vector<std::string> names(const io::StateDict& state) {
  std::vector<std::string> out;
  for (const auto& entry : state) out.push_back(entry.first);
  return out;
}

BertConfig tiny() {
  BertConfig config = bert_config("bert-tiny");
  config.vocab_size = 40;
  config.hidden_size = 16;
  config.num_attention_heads = 2;
  config.intermediate_size = 32;
  config.max_position_embeddings = 32;
  return config;
}

TEST(HfBertKeys, BareBertModelKeysGainThePrefixAndHfExtrasAreDropped) {
  const io::StateDict state = {{"embeddings.word_embeddings.weight", at::zeros({2})},
                               {"embeddings.position_ids", at::zeros({2})},
                               {"encoder.layer.0.output.dense.bias", at::zeros({2})},
                               {"pooler.dense.weight", at::zeros({2})}};
  EXPECT_EQ(names(from_hf_bert_keys(state)),
            (std::vector<std::string>{"bert.embeddings.word_embeddings.weight",
                                      "bert.encoder.layer.0.output.dense.bias",
                                      "bert.pooler.dense.weight"}));
}

TEST(HfBertKeys, PreTrainingKeysOfThisToolkitPassUnchanged) {
  BertForPreTraining model(tiny());
  const io::StateDict own = io::module_state_dict(*model);
  io::StateDict hf = own;
  hf.emplace_back("cls.predictions.decoder.weight", at::zeros({40, 16}));
  hf.emplace_back("cls.predictions.decoder.bias", at::zeros({40}));
  EXPECT_EQ(names(from_hf_bert_keys(hf)), names(own));
}

}  // namespace
}  // namespace ptk::text
