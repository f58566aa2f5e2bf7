#include "recipes/bert/prepare_options.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "recipes/bert/bert_phases.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

config::Schema bert_prepare_schema() {
  config::Schema s;
  s.add("prepare.inputs", config::Value(std::vector<std::string>{}),
        "text files: one sentence per line, a blank line between documents (required)")
      .add("prepare.format", "sentence_per_line",
           "sentence_per_line | raw (ICU splits each document into sentences)")
      .add("prepare.out", "",
           "output directory: tokenizer, seq<L>/ shard sets, summary.txt (required)")
      .add("prepare.tokenizer", "",
           "a SentencePiece .model or WordPiece vocab.txt to use; empty = train SentencePiece")
      .add("prepare.vocab_size", 30522, "SentencePiece vocabulary size (with the 5 specials)")
      .add("prepare.model_type", "unigram", "SentencePiece model: unigram | bpe")
      .add("prepare.character_coverage", config::Value(0.9995),
           "SentencePiece character coverage (1.0 for small alphabets)")
      .add("prepare.sentence_sample", 0, "lines sampled to train SentencePiece; 0 = all")
      .add("prepare.packing", "classic",
           "classic (BERT sentence pairs + NSP) | contiguous (RoBERTa, no NSP)")
      .add("prepare.short_seq_prob", config::Value(0.1), "classic: chance of a shorter sequence")
      .add("prepare.random_next_prob", config::Value(0.5), "classic: chance of a random next B")
      .add("prepare.dupe_factor", 1, "classic: passes over the corpus, each packed anew")
      .add("prepare.seed", 12345, "packing and tokenizer-sampling seed")
      .add("prepare.threads", 2, "tokenizing threads")
      .add("prepare.shard_bytes", static_cast<int64_t>(64) << 20, "payload bytes per shard")
      .add("prepare.lengths", config::Value(std::vector<int64_t>{}),
           "sequence lengths to pack; empty = the phases' lengths (phases.max_seq_length or "
           "data.max_seq_length)");
  return s;
}

config::Config prepare_tool_config(const config::Config& config) {
  std::map<std::string, config::Value> values;
  const config::Schema schema = bert_prepare_schema();
  for (const auto& [key, option] : schema.options()) {
    values[key] = config.value(key);
  }
  if (config.get_int_list("prepare.lengths").empty()) {
    values["prepare.lengths"] = config::Value(phase_lengths(config));
  }
  return config::Config(values);
}

void exec_bert_prepare(const config::Config& config) {
  const config::Config tool = prepare_tool_config(config);
  if (tool.get_string_list("prepare.inputs").empty()) {
    throw UsageError("prepare.inputs is required (a list of text files)");
  }
  const std::string out = tool.get_string("prepare.out");
  if (out.empty()) throw UsageError("prepare.out is required");
  fs::create_directories(out);
  const std::string config_path = (fs::path(out) / "prepare.yaml").string();
  tool.save(config_path);
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  const std::string binary = (self.parent_path() / "ptk-bert-prepare").string();
  if (error || !fs::exists(binary)) {
    throw Error("cannot find ptk-bert-prepare next to ptk-bert (" + binary +
                "); build the ptk-bert-prepare target");
  }
  std::vector<std::string> args = {binary, "--config", config_path};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  throw Error("cannot run " + binary + ": " + std::strerror(errno));
}

}  // namespace ptk::recipes
