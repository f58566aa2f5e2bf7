#include "tests/recipes/export/export_fixtures.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <fstream>

#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"
#include "text/models/bert_heads.h"
#include "vision/models/resnet.h"

namespace ptk::testing {

namespace {

void write(const std::string& run_dir, torch::nn::Module& model, const std::string& config_yaml) {
  torch::optim::SGD optimizer(model.parameters(), torch::optim::SGDOptions(0.1));
  train::CheckpointState state;
  state.step = 2;
  state.samples_consumed = 64;
  state.config_yaml = config_yaml;
  train::write_checkpoint(run_dir, io::module_state_dict(model), optimizer, state, 2);
}

}  // namespace

void write_wsl_checkpoint(const std::string& run_dir, const std::string& arch, int64_t classes,
                          int64_t image_size) {
  at::manual_seed(7);
  vision::ResNetConfig config = vision::resnet_config(arch);
  config.num_classes = classes;
  vision::ResNet model(config);
  at::NoGradGuard no_grad;
  // Trained-looking BN statistics, so eval-mode normalisation is exercised by the comparisons.
  for (auto& buffer : model->named_buffers()) {
    if (buffer.key().find("running_mean") != std::string::npos) {
      buffer.value().normal_(0, 0.1);
    } else if (buffer.key().find("running_var") != std::string::npos) {
      buffer.value().uniform_(0.5, 1.5);
    }
  }
  for (auto& parameter : model->named_parameters()) {
    if (parameter.key().find("bn") != std::string::npos) parameter.value().add_(0.05);
  }
  write(run_dir, *model,
        "model:\n  arch: " + arch + "\ndata:\n  image_size: " + std::to_string(image_size) +
            "\n  shards: ''\ntrain:\n  steps: 2\n");
}

int64_t write_wordpiece_vocab(const std::string& path, int words) {
  std::ofstream out(path);
  out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (int i = 0; i < words; ++i) out << "word" << i << "\n";
  return 5 + words;
}

text::BertConfig tiny_bert_config(int64_t vocab_size) {
  text::BertConfig config = text::bert_config("bert-tiny");
  config.vocab_size = vocab_size;
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.max_position_embeddings = 64;
  return config;
}

void write_bert_checkpoint(const std::string& run_dir, int64_t vocab_size,
                           const std::string& shards) {
  at::manual_seed(11);
  const text::BertConfig config = tiny_bert_config(vocab_size);
  text::BertForPreTraining model(config);
  at::NoGradGuard no_grad;
  // Biases and LayerNorms away from 0 / 1, so a weight lost in the export would show.
  for (auto& parameter : model->parameters()) parameter.add_(at::randn_like(parameter) * 0.05);
  write(run_dir, *model,
        "data:\n  max_seq_length: 64\n  shards: '" + shards +
            "'\nmodel:\n  preset: bert-tiny\n  hidden_size: 32\n  intermediate_size: 64\n"
            "  max_position_embeddings: 64\n  num_hidden_layers: 0\n"
            "  hidden_dropout_prob: -1\ntrain:\n  steps: 2\n");
}

int run_export(const std::vector<std::string>& args, const std::string& log, std::string* output) {
  std::vector<std::string> argv = {std::string(PTK_BINARY_DIR) + "/ptk-export"};
  argv.insert(argv.end(), args.begin(), args.end());
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(120)));
  *output = child.output();
  return code;
}

}  // namespace ptk::testing
