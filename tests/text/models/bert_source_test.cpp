#include "text/models/bert_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/base/error.h"
#include "common/data/manifest.h"

namespace ptk::text {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("bert_source_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A token shard set whose manifest lists `tokenizer`.
fs::path shard_set(const std::string& name, const std::string& tokenizer) {
  const fs::path dir = fresh_dir(name);
  data::Manifest manifest;
  manifest.kind = data::ShardKind::kToken;
  if (!tokenizer.empty()) manifest.files["tokenizer"] = tokenizer;
  manifest.save(dir.string());
  return dir;
}

TEST(BertSource, StoredConfigGivesThePresetWithItsOverridesAndTheRunsTokenizer) {
  const fs::path shards = shard_set("shards", "tokenizer.model");
  const config::StoredConfig stored(
      "model:\n  preset: bert-tiny\n  num_hidden_layers: 3\n  hidden_size: 0\n"
      "  hidden_dropout_prob: 0.0\ndata:\n  shards: " +
          shards.string() + "\n",
      "step_1/state.yaml");
  const BertSource source = stored_bert_source(stored, "");
  const BertConfig tiny = bert_config("bert-tiny");
  EXPECT_EQ(source.config.num_hidden_layers, 3);
  EXPECT_EQ(source.config.hidden_size, tiny.hidden_size);  // 0 keeps the preset's
  EXPECT_EQ(source.config.hidden_dropout_prob, 0.0);
  EXPECT_EQ(source.run_tokenizer_path, (shards / "tokenizer.model").string());
  EXPECT_EQ(source.tokenizer_path, source.run_tokenizer_path);
  EXPECT_EQ(require_tokenizer(source, "step_1"), source.tokenizer_path);
}

TEST(BertSource, AnotherTokenizerIsUsedWhenAskedAndTheMissingOneIsExplained) {
  const fs::path dir = fresh_dir("other");
  std::ofstream(dir / "vocab.txt") << "[PAD]\n";
  const config::StoredConfig stored("model:\n  preset: bert-tiny\n", "step_2/state.yaml");
  const BertSource asked = stored_bert_source(stored, (dir / "vocab.txt").string());
  EXPECT_EQ(asked.tokenizer_path, (dir / "vocab.txt").string());
  EXPECT_EQ(asked.run_tokenizer_path, "");
  EXPECT_NE(asked.run_tokenizer_problem.find("names no data.shards"), std::string::npos);

  const BertSource none = stored_bert_source(stored, "");
  try {
    require_tokenizer(none, "runs/bert/checkpoints/step_2");
    FAIL() << "no tokenizer, yet no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("runs/bert/checkpoints/step_2"), std::string::npos) << what;
    EXPECT_NE(what.find("export.tokenizer"), std::string::npos) << what;
  }
  EXPECT_THROW(stored_bert_source(stored, (dir / "missing.model").string()), Error);
}

TEST(BertSource, HfFolderTokenizerIsVocabTxtElseTheFirstSentencePieceModel) {
  const fs::path dir = fresh_dir("hf");
  EXPECT_EQ(hf_folder_tokenizer(dir.string()), "");
  std::ofstream(dir / "b.model") << "";
  std::ofstream(dir / "a.model") << "";
  EXPECT_EQ(hf_folder_tokenizer(dir.string()), (dir / "a.model").string());
  std::ofstream(dir / "vocab.txt") << "[PAD]\n";
  EXPECT_EQ(hf_folder_tokenizer(dir.string()), (dir / "vocab.txt").string());

  std::ofstream(dir / "config.json") << to_hf_json(bert_config("bert-mini"));
  const BertSource source = hf_folder_source(dir.string(), "");
  EXPECT_EQ(source.config.num_hidden_layers, bert_config("bert-mini").num_hidden_layers);
  EXPECT_EQ(source.tokenizer_path, (dir / "vocab.txt").string());
}

}  // namespace
}  // namespace ptk::text
