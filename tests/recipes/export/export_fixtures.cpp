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

// An uncased vocabulary in which most text has pieces: lowercase letters, digits and ASCII
// punctuation alone and as "##" continuations, some whole words and suffixes, a few CJK, Arabic
// and Hebrew letters.
int64_t write_rich_vocab(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (char c = '!'; c <= '~'; ++c) {
    if (c < 'A' || c > 'Z') out << c << "\n";
  }
  for (const char* c :
       {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
        "s", "t", "u", "v", "w", "x", "y", "z", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
    out << "##" << c << "\n";
  }
  for (const char* word :
       {"the",   "quick",    "brown", "fox",  "jump", "##ed",     "##ing",  "over", "lazy",
        "dog",   "hello",    "world", "said", "un",   "##believ", "##able", "mask", "cafe",
        "naive", "istanbul", "中",    "文",   "日",   "本",       "م",      "##ر",  "##ح",
        "##ب",   "##ا",      "ש",     "##ל",  "##ו",  "##ם"}) {
    out << word << "\n";
  }
  return 5 + 68 + 36 + 33;
}

// Quotes of every kind, control and zero-width characters, combining marks, CJK, emoji,
// right-to-left scripts, words past WordPiece's 100 characters, odd white space, capitals.
void write_hard_text(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "The quick brown fox jumps over the lazy dog.\n"
      << "``Hello'' said \"the\" 'fox' \xe2\x80\x94 \xe2\x80\x98one\xe2\x80\x99 "
         "\xe2\x80\x9ctwo\xe2\x80\x9d \xc2\xabthree\xc2\xbb\n"
      << "a\x0b"
         "b c\x1c"
         "d e\x1f"
         "f g\xc2\x85h \x7f"
         "del\n"
      << "zero\xe2\x80\x8bwidth\xe2\x80\x8cjoin\xe2\x80\x8d\xef\xbb\xbf"
         "bom\n"
      << "Cafe\xcc\x81 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m \xc4\xb0stanbul STRASSE stra\xc3\x9f"
         "e\n"
      << "\xe4\xb8\xad\xe6\x96\x87\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad\n"
      << "emoji \xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd flag "
         "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7\n"
      << "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n"
      << std::string(101, 'a') << " " << std::string(100, 'b') << " unbelievable\n"
      << "  lots\t\tof   space \xe3\x80\x80 ideographic\xc2\xa0nbsp  \n"
      << "ABC123 x-ray e-mail U.S.A. 3.14 $5 #tag @user\n"
      << "\n";
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
