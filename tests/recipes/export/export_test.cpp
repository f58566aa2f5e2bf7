// ptk-export as users run it, on checkpoints laid out as ptk-wsl and ptk-bert write them:
// torchvision / safetensors weights with and without the head, the HF BERT folder (exact HF key
// set, config.json, tokenizer, reloading with identical outputs), image and text features in
// HDF5 equal to the model's own, and the usage errors.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/data/manifest.h"
#include "common/io/atomic_file.h"
#include "common/io/safetensors.h"
#include "common/train/checkpoint.h"
#include "tests/integration/toy_run.h"
#include "tests/recipes/export/export_fixtures.h"
#include "text/models/bert_heads.h"
#include "vision/models/resnet.h"
#include "vision/transforms/augment.h"

namespace ptk::testing {
namespace {

namespace fs = std::filesystem;

std::set<std::string> keys(const io::StateDict& state) {
  std::set<std::string> names;
  for (const auto& entry : state) names.insert(entry.first);
  return names;
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// HF BertForPreTraining's state-dict keys (transformers' modeling_bert), written out from the
// spec rather than from this toolkit's modules.
std::set<std::string> hf_pretraining_keys(int layers) {
  std::set<std::string> names = {"bert.embeddings.word_embeddings.weight",
                                 "bert.embeddings.position_embeddings.weight",
                                 "bert.embeddings.token_type_embeddings.weight",
                                 "bert.embeddings.LayerNorm.weight",
                                 "bert.embeddings.LayerNorm.bias",
                                 "bert.pooler.dense.weight",
                                 "bert.pooler.dense.bias",
                                 "cls.predictions.bias",
                                 "cls.predictions.transform.dense.weight",
                                 "cls.predictions.transform.dense.bias",
                                 "cls.predictions.transform.LayerNorm.weight",
                                 "cls.predictions.transform.LayerNorm.bias",
                                 "cls.predictions.decoder.weight",
                                 "cls.predictions.decoder.bias",
                                 "cls.seq_relationship.weight",
                                 "cls.seq_relationship.bias"};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "bert.encoder.layer." + std::to_string(i) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense", "attention.output.LayerNorm",
                          "intermediate.dense", "output.dense", "output.LayerNorm"}) {
      names.insert(p + m + ".weight");
      names.insert(p + m + ".bias");
    }
  }
  return names;
}

struct Hdf5File {
  std::vector<float> features;
  hsize_t rows = 0, dim = 0;
  std::vector<std::string> string_ids;
  std::vector<int64_t> int_ids;
};

Hdf5File read_features(const std::string& path) {
  Hdf5File file;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(f, 0) << path;
  if (f < 0) return file;
  const hid_t set = H5Dopen2(f, "features", H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t dims[2] = {0, 0};
  EXPECT_EQ(H5Sget_simple_extent_ndims(space), 2);
  H5Sget_simple_extent_dims(space, dims, nullptr);
  file.rows = dims[0];
  file.dim = dims[1];
  file.features.resize(dims[0] * dims[1]);
  EXPECT_GE(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, file.features.data()), 0);
  H5Sclose(space);
  H5Dclose(set);
  const hid_t ids = H5Dopen2(f, "ids", H5P_DEFAULT);
  const hid_t type = H5Dget_type(ids);
  const hid_t ids_space = H5Dget_space(ids);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(ids_space, &n, nullptr);
  if (H5Tget_class(type) == H5T_STRING) {
    std::vector<char*> strings(n);
    const hid_t memory = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5T_CSET_UTF8);  // HDF5 converts no ASCII <-> UTF-8
    EXPECT_GE(H5Dread(ids, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings.data()), 0);
    for (char* s : strings) file.string_ids.emplace_back(s);
    H5Dvlen_reclaim(memory, ids_space, H5P_DEFAULT, strings.data());
    H5Tclose(memory);
  } else {
    file.int_ids.resize(n);
    H5Dread(ids, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, file.int_ids.data());
  }
  H5Sclose(ids_space);
  H5Tclose(type);
  H5Dclose(ids);
  H5Fclose(f);
  return file;
}

std::string step_dir(const ScratchDir& dir) { return dir / "run/checkpoints/step_2"; }

TEST(ExportWeights, WslCheckpointBecomesTorchvisionStateDictWithOrWithoutHead) {
  ScratchDir dir;
  write_wsl_checkpoint(dir / "run", "resnext_tiny", 9, 32);
  const io::StateDict stored = train::read_checkpoint_model(step_dir(dir));
  std::string output;
  // A run directory resolves to its newest checkpoint.
  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + dir / "run", "export.out=" + dir / "tv"},
                       dir / "a.log", &output),
            0)
      << output;
  EXPECT_NE(output.find("9 outputs"), std::string::npos) << output;
  const io::StateDict exported = io::load_torch_state_dict(dir / "tv/model.pth");
  ASSERT_EQ(exported.size(), stored.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(exported[i].first, stored[i].first);
    EXPECT_TRUE(at::equal(exported[i].second, stored[i].second)) << stored[i].first;
  }
  EXPECT_NE(io::read_file(dir / "tv/export_info.json").find("\"num_classes\": 9"),
            std::string::npos);

  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + step_dir(dir), "export.out=" + dir / "st",
                        "export.format=safetensors", "export.head=false"},
                       dir / "b.log", &output),
            0)
      << output;
  const io::StateDict headless = io::load_safetensors(dir / "st/model.safetensors");
  std::set<std::string> expected = keys(stored);
  expected.erase("fc.weight");
  expected.erase("fc.bias");
  EXPECT_EQ(keys(headless), expected);
  // The headless weights load strictly into the same trunk with no head.
  vision::ResNetConfig config = vision::resnet_config("resnext_tiny");
  config.num_classes = 0;
  vision::ResNet trunk(config);
  EXPECT_NO_THROW(io::load_module_state_dict(*trunk, headless, /*strict=*/true));
}

TEST(ExportWeights, BertHfFolderHasHfKeysMinusTiedDecoderAndReloadsWithIdenticalOutputs) {
  ScratchDir dir;
  const int64_t vocab = write_wordpiece_vocab(dir / "vocab.txt", 59);
  write_bert_checkpoint(dir / "run", vocab);
  std::string output;
  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + dir / "run", "export.out=" + dir / "hf",
                        "export.tokenizer=" + dir / "vocab.txt", "export.reference_logits=true"},
                       dir / "a.log", &output),
            0)
      << output;
  for (const char* file : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
                           "special_tokens_map.json", "reference_logits.safetensors"}) {
    EXPECT_TRUE(fs::exists(dir / ("hf/" + std::string(file)))) << file;
  }
  std::map<std::string, std::string> metadata;
  io::StateDict state = io::load_safetensors(dir / "hf/model.safetensors", &metadata);
  EXPECT_EQ(metadata["format"], "pt");
  std::set<std::string> expected = hf_pretraining_keys(2);
  expected.erase("cls.predictions.decoder.weight");  // tied to the word embeddings: stored once
  EXPECT_EQ(keys(state), expected);
  EXPECT_EQ(io::read_file(dir / "hf/vocab.txt"), io::read_file(dir / "vocab.txt"));
  EXPECT_NE(io::read_file(dir / "hf/tokenizer_config.json").find("\"do_lower_case\": true"),
            std::string::npos);

  // Back into the toolkit from config.json + model.safetensors alone.
  const text::BertConfig config = text::load_hf_config(dir / "hf/config.json");
  EXPECT_EQ(config.vocab_size, vocab);
  EXPECT_EQ(config.hidden_size, 32);
  EXPECT_EQ(config.num_hidden_layers, 2);
  EXPECT_EQ(config.max_position_embeddings, 64);
  const at::Tensor decoder_bias = *io::find_tensor(state, "cls.predictions.decoder.bias");
  EXPECT_TRUE(at::equal(decoder_bias, *io::find_tensor(state, "cls.predictions.bias")));
  state.erase(
      std::remove_if(state.begin(), state.end(),
                     [](const auto& e) { return e.first == "cls.predictions.decoder.bias"; }),
      state.end());
  text::BertForPreTraining model(config);
  io::load_module_state_dict(*model, state, /*strict=*/true);
  model->eval();
  const io::StateDict reference = io::load_safetensors(dir / "hf/reference_logits.safetensors");
  const at::Tensor ids = *io::find_tensor(reference, "input_ids");
  at::NoGradGuard no_grad;
  const auto out =
      model->forward(ids, *io::find_tensor(reference, "token_type_ids"),
                     *io::find_tensor(reference, "attention_mask"), at::ones_like(ids, at::kBool));
  const at::Tensor mlm = *io::find_tensor(reference, "mlm_logits");
  EXPECT_EQ(mlm.sizes(), (std::vector<int64_t>{2, ids.size(1), vocab}));
  EXPECT_LE(max_diff(out.mlm_logits.reshape(mlm.sizes()), mlm), 1e-6);
  EXPECT_LE(max_diff(out.pooled_output, *io::find_tensor(reference, "pooled_output")), 1e-6);
  // The export holds the checkpoint's weights, not a fresh model's.
  const io::StateDict stored = train::read_checkpoint_model(step_dir(dir));
  EXPECT_TRUE(at::equal(*io::find_tensor(stored, "cls.predictions.bias"), decoder_bias));
}

// export.tokenizer naming a tokenizer other than the run's (same size, other content) would pair
// the weights with other token ids: an error naming both, unless explicitly allowed.
TEST(ExportWeights, AnotherTokenizerThanTheRunsIsAnErrorNamingBothUnlessAllowed) {
  ScratchDir dir;
  fs::create_directories(dir / "shards");
  const int64_t vocab = write_wordpiece_vocab(dir / "shards/vocab.txt", 59);
  data::Manifest shards;
  shards.kind = data::ShardKind::kToken;
  shards.files["tokenizer"] = "vocab.txt";
  shards.save(dir / "shards");
  write_bert_checkpoint(dir / "run", vocab, dir / "shards");
  std::string text = io::read_file(dir / "shards/vocab.txt");
  fs::create_directories(dir / "same");
  io::write_file_atomic(dir / "same/vocab.txt", text);
  const size_t last = text.rfind('\n', text.size() - 2);
  text.insert(last + 1, "z");  // the last word changes; the size does not
  fs::create_directories(dir / "other");
  io::write_file_atomic(dir / "other/vocab.txt", text);

  std::string output;
  const auto export_with = [&](const std::vector<std::string>& extra, const std::string& name) {
    std::vector<std::string> args = {"weights", "export.checkpoint=" + dir / "run",
                                     "export.out=" + dir / ("out-" + name)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_export(args, dir / (name + ".log"), &output);
  };
  EXPECT_EQ(export_with({}, "implied"), 0) << output;
  EXPECT_EQ(export_with({"export.tokenizer=" + dir / "same/vocab.txt"}, "same"), 0) << output;
  EXPECT_EQ(export_with({"export.tokenizer=" + dir / "other/vocab.txt"}, "other"), 2) << output;
  EXPECT_NE(output.find(dir / "other/vocab.txt"), std::string::npos) << output;
  EXPECT_NE(output.find(dir / "shards/vocab.txt"), std::string::npos) << output;
  EXPECT_NE(output.find(std::to_string(vocab) + " tokens"), std::string::npos) << output;
  EXPECT_NE(output.find("export.allow_other_tokenizer=true"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "out-other/model.safetensors"));
  EXPECT_EQ(export_with({"export.tokenizer=" + dir / "other/vocab.txt",
                         "export.allow_other_tokenizer=true"},
                        "allowed"),
            0)
      << output;
  EXPECT_NE(output.find("is not the tokenizer the run trained with"), std::string::npos) << output;
}

TEST(ExportFeatures, ImageFolderGivesTheModelsPooledFeaturesInNameOrder) {
  ScratchDir dir;
  write_wsl_checkpoint(dir / "run", "resnext_tiny", 5, 32);
  fs::create_directories(dir / "images");
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    cv::Mat image(30 + 7 * i, 40, CV_8UC3);
    cv::randu(image, 0, 255);
    names.push_back("img" + std::to_string(4 - i) + (i % 2 ? ".png" : ".jpg"));
    ASSERT_TRUE(cv::imwrite(dir / ("images/" + names.back()), image));
  }
  std::ofstream(dir / "images/notes.txt") << "not an image";
  std::sort(names.begin(), names.end());
  std::string output;
  ASSERT_EQ(
      run_export({"features", "export.checkpoint=" + dir / "run", "export.out=" + dir / "out/f.h5",
                  "features.input=" + dir / "images", "features.batch=2", "features.threads=3"},
                 dir / "a.log", &output),
      0)
      << output;
  const Hdf5File file = read_features(dir / "out/f.h5");
  ASSERT_EQ(file.rows, 5u);
  ASSERT_EQ(file.dim, 512u);
  EXPECT_EQ(file.string_ids, names);

  // Each row is the checkpoint model's pooled features of the eval-transformed image.
  vision::ResNetConfig config = vision::resnet_config("resnext_tiny");
  config.num_classes = 5;
  vision::ResNet model(config);
  io::load_module_state_dict(*model, train::read_checkpoint_model(step_dir(dir)));
  model->eval();
  vision::EvalTransform transform;
  transform.resize_size = 36;  // 32 * 256 / 224
  transform.crop_size = 32;
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string bytes = io::read_file(dir / ("images/" + names[i]));
    at::Tensor image = at::empty({1, 3, 32, 32});
    transform.apply(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), names[i],
                    image.data_ptr<float>());
    const at::Tensor expected = model->features(image)[0];
    const at::Tensor row = at::from_blob(const_cast<float*>(file.features.data()) + i * 512, {512});
    EXPECT_LE(max_diff(row, expected), 1e-4) << names[i];
  }
}

TEST(ExportFeatures, TextLinesGiveMeanOrPooledBertEmbeddingsWithLineNumbers) {
  ScratchDir dir;
  const int64_t vocab = write_wordpiece_vocab(dir / "vocab.txt", 20);
  write_bert_checkpoint(dir / "run", vocab);
  std::ofstream(dir / "lines.txt") << "word1 word2 word3\n\nword7 unknownthing\r\n"
                                   << "word1 word2 word3 word4 word5 word6 word7 word8 word9\n";
  std::string output;
  const std::vector<std::string> args = {"features",
                                         "export.checkpoint=" + dir / "run",
                                         "export.tokenizer=" + dir / "vocab.txt",
                                         "features.input=" + dir / "lines.txt",
                                         "features.max_length=8",
                                         "features.batch=3"};
  std::vector<std::string> mean = args, pooled = args;
  mean.push_back("export.out=" + dir / "mean.h5");
  pooled.push_back("export.out=" + dir / "pooled.h5");
  pooled.push_back("features.pooling=pooled");
  ASSERT_EQ(run_export(mean, dir / "a.log", &output), 0) << output;
  EXPECT_NE(output.find("1 cut to 8 tokens"), std::string::npos) << output;
  ASSERT_EQ(run_export(pooled, dir / "b.log", &output), 0) << output;
  const Hdf5File mean_file = read_features(dir / "mean.h5");
  const Hdf5File pooled_file = read_features(dir / "pooled.h5");
  ASSERT_EQ(mean_file.rows, 4u);
  ASSERT_EQ(mean_file.dim, 32u);
  ASSERT_EQ(pooled_file.rows, 4u);
  EXPECT_EQ(mean_file.int_ids, (std::vector<int64_t>{1, 2, 3, 4}));

  text::BertForPreTraining model(tiny_bert_config(vocab));
  io::load_module_state_dict(*model, train::read_checkpoint_model(step_dir(dir)));
  model->eval();
  // The fixture's vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK] ... word0 at id 5, word1 at 6.
  const std::vector<std::vector<int64_t>> lines = {
      {2, 6, 7, 8, 3}, {2, 3}, {2, 12, 1, 3}, {2, 6, 7, 8, 9, 10, 11, 3}};  // [CLS]=2, [SEP]=3
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < lines.size(); ++i) {
    const at::Tensor ids = at::tensor(lines[i], at::kLong).unsqueeze(0);
    const text::BertModelOutput out = model->bert()->forward(ids);
    const at::Tensor mean_row =
        at::from_blob(const_cast<float*>(mean_file.features.data()) + i * 32, {32});
    const at::Tensor pooled_row =
        at::from_blob(const_cast<float*>(pooled_file.features.data()) + i * 32, {32});
    EXPECT_LE(max_diff(mean_row, out.sequence_output[0].mean(0)), 1e-4) << "line " << i + 1;
    EXPECT_LE(max_diff(pooled_row, out.pooled_output[0]), 1e-4) << "line " << i + 1;
  }
}

// Features from weights a user already has instead of a checkpoint: the wsl checkpoint exported
// as a torchvision .pth (with and without the head) and as safetensors, the bert checkpoint as an
// HF folder, give the checkpoint's own features.
TEST(ExportFeatures, InitFromTorchvisionWeightsOrAnHfFolderGivesTheCheckpointsFeatures) {
  ScratchDir dir;
  std::string output;
  write_wsl_checkpoint(dir / "wsl", "resnext_tiny", 5, 32);
  fs::create_directories(dir / "images");
  for (int i = 0; i < 3; ++i) {
    cv::Mat image(40 + 5 * i, 36, CV_8UC3);
    cv::randu(image, 0, 255);
    ASSERT_TRUE(cv::imwrite(dir / ("images/img" + std::to_string(i) + ".png"), image));
  }
  const auto weights = [&](const std::string& out, const std::string& extra) {
    return run_export(
        {"weights", "export.checkpoint=" + dir / "wsl", "export.out=" + dir / out, extra},
        dir / (out + ".log"), &output);
  };
  ASSERT_EQ(weights("tv", "export.head=true"), 0) << output;
  ASSERT_EQ(weights("headless", "export.head=false"), 0) << output;
  ASSERT_EQ(weights("st", "export.format=safetensors"), 0) << output;
  const auto image_features = [&](const std::string& source, const std::string& out) {
    std::vector<std::string> args = {"features", source, "export.out=" + dir / out,
                                     "features.input=" + dir / "images", "features.image_size=32"};
    if (source.rfind("init.from=", 0) == 0) args.push_back("export.arch=resnext_tiny");
    return run_export(args, dir / (out + ".log"), &output);
  };
  ASSERT_EQ(image_features("export.checkpoint=" + dir / "wsl", "ref.h5"), 0) << output;
  const Hdf5File reference = read_features(dir / "ref.h5");
  for (const std::string& file : {"tv/model.pth", "headless/model.pth", "st/model.safetensors"}) {
    ASSERT_EQ(image_features("init.from=" + dir / file, "from.h5"), 0) << output;
    EXPECT_NE(output.find("from " + dir / file), std::string::npos) << output;
    const Hdf5File from = read_features(dir / "from.h5");
    EXPECT_EQ(from.string_ids, reference.string_ids) << file;
    EXPECT_EQ(from.features, reference.features) << file;
  }
  EXPECT_EQ(run_export({"features", "init.from=" + dir / "tv/model.pth",
                        "export.out=" + dir / "x.h5", "features.input=" + dir / "images"},
                       dir / "noarch.log", &output),
            2);
  EXPECT_NE(output.find("export.arch"), std::string::npos) << output;
  EXPECT_EQ(run_export({"features", "init.from=" + dir / "tv/model.pth",
                        "export.checkpoint=" + dir / "wsl", "export.arch=resnext_tiny",
                        "export.out=" + dir / "x.h5", "features.input=" + dir / "images"},
                       dir / "both.log", &output),
            2);
  EXPECT_NE(output.find("not both"), std::string::npos) << output;

  const int64_t vocab = write_wordpiece_vocab(dir / "vocab.txt", 20);
  write_bert_checkpoint(dir / "bert", vocab);
  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + dir / "bert", "export.out=" + dir / "hf",
                        "export.tokenizer=" + dir / "vocab.txt"},
                       dir / "hf.log", &output),
            0)
      << output;
  std::ofstream(dir / "lines.txt") << "word1 word2 word3\nword7 unknownthing word4\n";
  const std::vector<std::string> text = {"features", "features.input=" + dir / "lines.txt",
                                         "features.pooling=pooled"};
  std::vector<std::string> from_checkpoint = text, from_folder = text;
  from_checkpoint.insert(from_checkpoint.end(),
                         {"export.checkpoint=" + dir / "bert",
                          "export.tokenizer=" + dir / "vocab.txt", "export.out=" + dir / "b1.h5"});
  from_folder.insert(from_folder.end(), {"init.from=" + dir / "hf", "export.out=" + dir / "b2.h5"});
  ASSERT_EQ(run_export(from_checkpoint, dir / "b1.log", &output), 0) << output;
  ASSERT_EQ(run_export(from_folder, dir / "b2.log", &output), 0) << output;
  const Hdf5File bert_reference = read_features(dir / "b1.h5");
  const Hdf5File bert_from = read_features(dir / "b2.h5");
  EXPECT_EQ(bert_from.int_ids, bert_reference.int_ids);
  ASSERT_EQ(bert_from.features.size(), bert_reference.features.size());
  for (size_t i = 0; i < bert_from.features.size(); ++i) {
    EXPECT_NEAR(bert_from.features[i], bert_reference.features[i], 1e-6) << i;
  }
}

TEST(ExportCommandLine, FlagSpellingWithoutAVerbExportsWeights) {
  ScratchDir dir;
  write_wsl_checkpoint(dir / "run", "resnext_tiny", 4, 32);
  std::string output;
  ASSERT_EQ(run_export({"--checkpoint", dir / "run", "--format=safetensors", "--out", dir / "st",
                        "--head", "false"},
                       dir / "a.log", &output),
            0)
      << output;
  const io::StateDict state = io::load_safetensors(dir / "st/model.safetensors");
  EXPECT_EQ(io::find_tensor(state, "fc.weight"), nullptr);
  EXPECT_NE(io::find_tensor(state, "conv1.weight"), nullptr);
  EXPECT_EQ(run_export({"--checkpoint"}, dir / "b.log", &output), 2) << output;
  EXPECT_NE(output.find("--checkpoint needs a value"), std::string::npos) << output;
}

TEST(ExportCommandLine, UsageAndCheckpointErrorsAreClear) {
  ScratchDir dir;
  std::string output;
  EXPECT_EQ(run_export({"weights", "--help"}, dir / "h.log", &output), 0);
  EXPECT_NE(output.find("export.head"), std::string::npos) << output;
  EXPECT_EQ(run_export({"features", "--help"}, dir / "i.log", &output), 0);
  EXPECT_NE(output.find("features.pooling"), std::string::npos) << output;
  EXPECT_EQ(run_export({"bogus"}, dir / "a.log", &output), 2) << output;
  EXPECT_EQ(run_export({"weights", "export.out=" + dir / "o"}, dir / "b.log", &output), 2);
  EXPECT_NE(output.find("export.checkpoint"), std::string::npos) << output;
  EXPECT_EQ(run_export({"weights", "export.checkpoint=" + dir / "nope", "export.out=" + dir / "o"},
                       dir / "c.log", &output),
            2);
  EXPECT_NE(output.find("nope"), std::string::npos) << output;

  write_wsl_checkpoint(dir / "wsl", "resnext_tiny", 3, 32);
  EXPECT_EQ(run_export({"weights", "export.checkpoint=" + dir / "wsl", "export.out=" + dir / "o",
                        "export.format=hf"},
                       dir / "d.log", &output),
            2);
  EXPECT_NE(output.find("wsl checkpoint"), std::string::npos) << output;
  EXPECT_EQ(run_export({"weights", "export.checkpoint=" + dir / "wsl", "export.out=" + dir / "o",
                        "export.format=onnx"},
                       dir / "e.log", &output),
            2);
  EXPECT_NE(output.find("export.format"), std::string::npos) << output;
  EXPECT_EQ(run_export({"features", "export.checkpoint=" + dir / "wsl",
                        "export.out=" + dir / "f.h5", "features.input=" + dir / "nothing"},
                       dir / "f.log", &output),
            2);
  EXPECT_NE(output.find("features.input"), std::string::npos) << output;

  // A bert checkpoint whose shard set is not here needs export.tokenizer.
  write_bert_checkpoint(dir / "bert", 30, dir / "moved-shards");
  EXPECT_EQ(run_export({"weights", "export.checkpoint=" + dir / "bert", "export.out=" + dir / "o"},
                       dir / "g.log", &output),
            2);
  EXPECT_NE(output.find("export.tokenizer"), std::string::npos) << output;

  // Weights of another shape than the stored config says: a runtime error naming the checkpoint.
  const std::string state = dir / "wsl/checkpoints/step_2/state.yaml";
  std::string text = io::read_file(state);
  text.replace(text.find("resnext_tiny"), 12, "resnet18");
  io::write_file_atomic(state, text);
  EXPECT_EQ(run_export({"weights", "export.checkpoint=" + dir / "wsl", "export.out=" + dir / "o"},
                       dir / "j.log", &output),
            1);
  EXPECT_NE(output.find("model.arch resnet18"), std::string::npos) << output;
}

}  // namespace
}  // namespace ptk::testing
