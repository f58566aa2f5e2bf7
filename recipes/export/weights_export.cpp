#include "recipes/export/weights_export.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "common/io/safetensors.h"
#include "common/train/checkpoint.h"
#include "recipes/export/checkpoint_models.h"
#include "recipes/export/hf_tokenizer_json.h"
#include "text/models/bert_heads.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer_process.h"
#include "vision/models/resnet.h"

namespace ptk::recipes {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

void write_json(const std::string& path, const ordered_json& json) {
  io::write_file_atomic(path, json.dump(2) + "\n");
}

std::string join_layers(const std::vector<int64_t>& layers) {
  std::string text = "[";
  for (size_t i = 0; i < layers.size(); ++i) text += fmt::format("{}{}", i ? ", " : "", layers[i]);
  return text + "]";
}

// The torchvision constructor call that builds this exact module tree, or "" when the config
// is not one torchvision can express (the small stems of the test and demo presets).
std::string torchvision_model(const vision::ResNetConfig& config) {
  if (config.in_channels != 3 || config.stem_width != 64 || config.base_planes != 64) return "";
  std::string call = "torchvision.models.resnet.ResNet(torchvision.models.resnet.";
  call += config.bottleneck ? "Bottleneck" : "BasicBlock";
  call += ", " + join_layers(config.layers);
  if (config.groups != 1) call += fmt::format(", groups={}", config.groups);
  if (config.width_per_group != 64) {
    call += fmt::format(", width_per_group={}", config.width_per_group);
  }
  return fmt::format("{}, num_classes={})", call, config.num_classes);
}

std::string export_vision(const ExportOptions& options, const ExportSource& source) {
  if (options.format == ExportFormat::kHf) {
    throw usage_error(
        "export.format=hf is for bert checkpoints; {} is a wsl checkpoint (use torchvision or "
        "safetensors)",
        source.checkpoint_dir);
  }
  const auto model = load_resnet(source, train::read_checkpoint_model(source.checkpoint_dir));
  io::StateDict state;
  for (auto& [name, tensor] : io::module_state_dict(*model)) {
    if (!options.head && name.rfind("fc.", 0) == 0) continue;
    state.emplace_back(name, tensor);
  }
  const bool safetensors = options.format == ExportFormat::kSafetensors;
  const std::string file = safetensors ? "model.safetensors" : "model.pth";
  const std::string path = (fs::path(options.out) / file).string();
  const int64_t classes = model->num_classes();
  if (safetensors) {
    io::save_safetensors(
        path, state,
        {{"arch", source.arch}, {"num_classes", options.head ? std::to_string(classes) : "0"}});
  } else {
    io::save_torch_state_dict(path, state);
  }
  const std::string constructor = torchvision_model(model->config());
  ordered_json info = {{"recipe", "wsl"},
                       {"checkpoint", source.checkpoint_dir},
                       {"step", source.step},
                       {"file", file},
                       {"arch", source.arch},
                       {"head", options.head},
                       {"num_classes", classes},
                       {"feature_dim", model->feature_dim()},
                       {"image_size", source.image_size}};
  info["torchvision_model"] = constructor.empty() ? ordered_json() : ordered_json(constructor);
  info["load"] = options.head
                     ? "m = <torchvision_model>; m.load_state_dict(torch.load(file), strict=True)"
                     : "m = <torchvision_model>; m.fc = torch.nn.Identity(); "
                       "m.load_state_dict(torch.load(file), strict=True)";
  std::vector<std::string> written = {file};
  if (options.reference_logits) {
    const at::Tensor images = reference_images(source.image_size);
    at::NoGradGuard no_grad;
    const at::Tensor output = options.head ? model->forward(images) : model->features(images);
    io::save_safetensors((fs::path(options.out) / "reference_logits.safetensors").string(),
                         {{"input", images}, {"output", output.contiguous()}},
                         {{"output", options.head ? "logits" : "features"}});
    written.push_back("reference_logits.safetensors");
  }
  write_json((fs::path(options.out) / "export_info.json").string(), info);
  written.push_back("export_info.json");

  std::ostringstream summary;
  summary << "ptk-export weights: " << source.arch << " (wsl) at step " << source.step << " from "
          << source.checkpoint_dir << " -> " << options.out << "/{";
  for (size_t i = 0; i < written.size(); ++i) summary << (i ? ", " : "") << written[i];
  summary << "}; " << state.size() << " tensors, "
          << (options.head ? fmt::format("with the hashtag head ({} outputs)", classes)
                           : std::string("without the head (fc.* dropped)"))
          << "; load with "
          << (constructor.empty() ? "this toolkit (no torchvision constructor for this shape)"
                                  : constructor);
  return summary.str();
}

// HF's tokenizer files next to the weights, with tokenizer.json so that the fast tokenizer
// loads without a conversion: BertTokenizer for a WordPiece vocabulary;
// AlbertTokenizer (HF's plain SentencePiece tokenizer with BERT-style [CLS] A [SEP] B [SEP])
// for a SentencePiece model, with this model's special pieces and no extra normalisation.
std::vector<std::string> write_hf_tokenizer(const std::string& out, const std::string& path,
                                            const text::PretrainingVocab& vocab_facts,
                                            int64_t max_positions) {
  const text::SpecialIds& ids = vocab_facts.specials;
  const std::vector<std::string>& pieces = vocab_facts.pieces;
  ordered_json config;
  ordered_json specials = {{"unk_token", pieces.at(ids.unk)},
                           {"sep_token", pieces.at(ids.sep)},
                           {"pad_token", pieces.at(ids.pad)},
                           {"cls_token", pieces.at(ids.cls)},
                           {"mask_token", pieces.at(ids.mask)}};
  std::vector<std::string> files;
  if (text::is_wordpiece_path(path)) {
    const fs::path vocab = fs::is_directory(path) ? fs::path(path) / "vocab.txt" : fs::path(path);
    fs::copy_file(vocab, fs::path(out) / "vocab.txt", fs::copy_options::overwrite_existing);
    files.push_back("vocab.txt");
    // ptk-bert prepare loads a WordPiece vocabulary uncased (TokenizerLoadOptions' default).
    write_json((fs::path(out) / "tokenizer.json").string(),
               wordpiece_tokenizer_json(vocab_facts, /*lowercase=*/true));
    files.push_back("tokenizer.json");
    config = {{"tokenizer_class", "BertTokenizer"},
              {"do_lower_case", true},
              {"tokenize_chinese_chars", true},
              {"strip_accents", nullptr}};
  } else {
    fs::copy_file(path, fs::path(out) / "spiece.model", fs::copy_options::overwrite_existing);
    files.push_back("spiece.model");
    const text::SentencePieceModelFile model = text::SentencePieceModelFile::read(path);
    write_json((fs::path(out) / "tokenizer.json").string(),
               model.unigram ? unigram_tokenizer_json(model, vocab_facts)
                             : bpe_tokenizer_json(model, vocab_facts));
    files.push_back("tokenizer.json");
    config = {{"tokenizer_class", "AlbertTokenizer"},
              {"do_lower_case", false},
              {"keep_accents", true},
              {"remove_space", true}};
  }
  config["model_max_length"] = max_positions;
  // The toolkit splits a literal "[MASK]" in text as ordinary text (user text cannot inject a
  // special token); transformers versions that know this flag do the same.
  config["split_special_tokens"] = true;
  for (const auto& [key, value] : specials.items()) config[key] = value;
  write_json((fs::path(out) / "tokenizer_config.json").string(), config);
  write_json((fs::path(out) / "special_tokens_map.json").string(), specials);
  files.push_back("tokenizer_config.json");
  files.push_back("special_tokens_map.json");
  return files;
}

std::string export_bert(const ExportOptions& options, const ExportSource& source) {
  if (options.format == ExportFormat::kTorchvision) {
    throw usage_error(
        "export.format=torchvision is for wsl checkpoints; {} is a bert checkpoint (use hf or "
        "safetensors)",
        source.checkpoint_dir);
  }
  const bool hf = options.format != ExportFormat::kSafetensors;
  // The tokenizer's vocabulary facts come from ptk-tokenize (the process split).
  std::optional<text::PretrainingVocab> vocab;
  if (hf || !source.bert.tokenizer_path.empty())
    vocab = export_vocab(source, options.allow_other_tokenizer);
  const auto model = load_bert(source, train::read_checkpoint_model(source.checkpoint_dir),
                               vocab ? &*vocab : nullptr);
  const text::BertConfig& config = model->config();
  if (hf && config.pre_layer_norm) {
    throw usage_error(
        "{}: a pre-LN BERT has no HF BertModel equivalent; use export.format=safetensors",
        source.checkpoint_dir);
  }
  io::StateDict state;
  for (auto& [name, tensor] : io::module_state_dict(*model)) {
    state.emplace_back(name, tensor);
    // HF ties the decoder bias to cls.predictions.bias; HF's own checkpoints list it, and a
    // separate copy is legal in safetensors (unlike shared storage). The decoder weight is the
    // word embedding matrix: stored once, under bert.embeddings, and re-tied by from_pretrained.
    if (hf && name == "cls.predictions.bias") {
      state.emplace_back("cls.predictions.decoder.bias", tensor.clone());
    }
  }
  const fs::path out(options.out);
  std::vector<std::string> written = {"model.safetensors", "config.json"};
  io::save_safetensors((out / "model.safetensors").string(), state);
  io::write_file_atomic((out / "config.json").string(), text::to_hf_json(config));
  if (hf) {
    for (const std::string& file : write_hf_tokenizer(options.out, source.bert.tokenizer_path,
                                                      *vocab, config.max_position_embeddings)) {
      written.push_back(file);
    }
  }
  if (options.reference_logits) {
    const ReferenceTokens tokens =
        reference_tokens(config.vocab_size, config.max_position_embeddings);
    at::NoGradGuard no_grad;
    const at::Tensor all = at::ones_like(tokens.input_ids, at::kBool);
    const text::BertPreTrainingOutput output =
        model->forward(tokens.input_ids, tokens.token_type_ids, tokens.attention_mask, all);
    const int64_t batch = tokens.input_ids.size(0), length = tokens.input_ids.size(1);
    io::save_safetensors(
        (out / "reference_logits.safetensors").string(),
        {{"input_ids", tokens.input_ids},
         {"token_type_ids", tokens.token_type_ids},
         {"attention_mask", tokens.attention_mask},
         {"mlm_logits", output.mlm_logits.reshape({batch, length, -1}).contiguous()},
         {"nsp_logits", output.nsp_logits.contiguous()},
         {"sequence_output", output.sequence_output.contiguous()},
         {"pooled_output", output.pooled_output.contiguous()}});
    written.push_back("reference_logits.safetensors");
  }
  ordered_json info = {{"recipe", "bert"},
                       {"checkpoint", source.checkpoint_dir},
                       {"step", source.step},
                       {"format", hf ? "hf" : "safetensors"},
                       {"vocab_size", config.vocab_size},
                       {"tokenizer", source.bert.tokenizer_path}};
  write_json((out / "export_info.json").string(), info);
  written.push_back("export_info.json");

  std::ostringstream summary;
  summary << "ptk-export weights: BERT " << config.num_hidden_layers << "x" << config.hidden_size
          << " (vocab " << config.vocab_size << ") at step " << source.step << " from "
          << source.checkpoint_dir << " -> " << options.out << "/{";
  for (size_t i = 0; i < written.size(); ++i) summary << (i ? ", " : "") << written[i];
  summary << "}; " << state.size() << " tensors"
          << (hf ? "; load with transformers' BertForPreTraining / BertForMaskedLM / "
                   "BertModel.from_pretrained(\"" +
                       options.out + "\")"
                 : std::string("; keys as this toolkit's BertForPreTraining"));
  return summary.str();
}

}  // namespace

std::string run_weights_export(const ExportOptions& options) {
  const ExportSource source = open_export_source(options.checkpoint, options.tokenizer);
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec || !fs::is_directory(options.out)) {
    throw error("export.out: cannot create directory '{}'", options.out);
  }
  try {
    return source.kind == config::RecipeKind::kWsl ? export_vision(options, source)
                                                   : export_bert(options, source);
  } catch (const fs::filesystem_error& e) {
    throw error("writing {}: {}", options.out, e.what());
  } catch (const c10::Error& e) {
    throw error("{}: {}", source.checkpoint_dir, e.what_without_backtrace());
  }
}

}  // namespace ptk::recipes
