// BertForPreTraining agrees with an independent BERT written in plain torch ops
// (tests/python/bert_reference.py, run with Debian's python3-torch): our config.json and
// torch.load-readable weights go in under HF's key names, the same padded batch runs on both
// sides, and sequence output, pooled output, MLM logits (at the masked positions only) and NSP
// logits agree to 1e-4.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/io/state_dict.h"
#include "tests/common/io/test_dir.h"
#include "text/models/bert_heads.h"

namespace ptk::text {
namespace {

using io::testing::TestDir;

int run_python(const std::string& dir, std::string* output) {
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/python/bert_reference.py '" + dir + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  return ::pclose(pipe);
}

void write_longs(const std::string& path, const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(c.data_ptr<int64_t>()), c.numel() * sizeof(int64_t));
}

at::Tensor read_floats(const std::string& path, at::IntArrayRef shape) {
  at::Tensor t = at::empty(shape, at::kFloat);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * sizeof(float));
  EXPECT_EQ(in.gcount(), static_cast<std::streamsize>(t.numel() * sizeof(float))) << path;
  return t;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(BertPython, MatchesIndependentTorchBertOnPaddedBatch) {
  TestDir dir;
  BertConfig config;
  config.vocab_size = 211;
  config.hidden_size = 48;
  config.num_hidden_layers = 3;
  config.num_attention_heads = 4;
  config.intermediate_size = 80;
  config.max_position_embeddings = 24;
  config.type_vocab_size = 2;
  at::manual_seed(21);
  BertForPreTraining model(config);
  {
    // Non-trivial LayerNorms and biases, so every tensor influences the outputs.
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_parameters()) {
      if (item.key().find("LayerNorm.weight") != std::string::npos) {
        item.value().uniform_(0.5, 1.5);
      } else if (item.value().dim() == 1) {
        item.value().uniform_(-0.1, 0.1);
      } else {
        item.value().normal_(0.0, 0.08);
      }
    }
  }
  model->eval();

  constexpr int64_t kBatch = 3, kLength = 11;
  const at::Tensor ids = at::randint(0, config.vocab_size, {kBatch, kLength}, at::kLong);
  at::Tensor types = at::zeros({kBatch, kLength}, at::kLong);
  types.narrow(1, 5, 6).fill_(1);
  at::Tensor mask = at::ones({kBatch, kLength}, at::kLong);
  mask[1].narrow(0, 7, 4).fill_(0);
  mask[2].narrow(0, 3, 8).fill_(0);
  // Masked positions include a padded one (b=1, t=9): both sides must agree there too.
  const at::Tensor masked = at::tensor({1, 4, 10, 11 + 2, 11 + 9, 22, 22 + 2}, at::kLong);

  io::save_torch_state_dict(dir.file("weights.pt"), io::module_state_dict(*model));
  {
    std::ofstream out(dir.file("config.json"));
    out << to_hf_json(config);
    std::ofstream shape(dir.file("shape.txt"));
    shape << kBatch << ' ' << kLength << '\n';
  }
  write_longs(dir.file("input_ids.bin"), ids);
  write_longs(dir.file("token_type_ids.bin"), types);
  write_longs(dir.file("attention_mask.bin"), mask);
  write_longs(dir.file("masked.bin"), masked);

  std::string output;
  ASSERT_EQ(run_python(dir.path(), &output), 0) << output;

  const BertPreTrainingOutput ours = model->forward(ids, types, mask, masked);
  const int64_t h = config.hidden_size;
  const at::Tensor sequence = read_floats(dir.file("sequence_output.bin"), {kBatch, kLength, h});
  const at::Tensor pooled = read_floats(dir.file("pooled_output.bin"), {kBatch, h});
  const at::Tensor mlm = read_floats(dir.file("mlm_logits.bin"), {7, config.vocab_size});
  const at::Tensor nsp = read_floats(dir.file("nsp_logits.bin"), {kBatch, 2});
  EXPECT_LT(max_abs_diff(ours.sequence_output, sequence), 1e-4);
  EXPECT_LT(max_abs_diff(ours.pooled_output, pooled), 1e-4);
  EXPECT_LT(max_abs_diff(ours.mlm_logits, mlm), 1e-4)
      << "logit scale " << mlm.abs().max().item<double>();
  EXPECT_LT(max_abs_diff(ours.nsp_logits, nsp), 1e-4);
  // Not degenerate: outputs vary, and the padded rows differ from an unmasked run.
  EXPECT_GT(mlm.std().item<double>(), 1e-2);
  EXPECT_GT(nsp.std().item<double>(), 1e-3);
  EXPECT_GT(max_abs_diff(model->forward(ids, types).pooled_output, pooled), 1e-3);
}

}  // namespace
}  // namespace ptk::text
