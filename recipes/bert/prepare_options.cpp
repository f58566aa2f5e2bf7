#include "recipes/bert/prepare_options.h"

#include <map>
#include <string>
#include <vector>

#include "common/config/option_table.h"
#include "recipes/bert/bert_phases.h"

namespace ptk::recipes {

namespace {

// The prepare.* keys. ptk-bert-prepare reads them from the config this file hands it
// (prepare_tool_config); read_bert_prepare_job checks them.
struct BertPrepareOptions {
  std::vector<std::string> inputs;
  std::string format = "sentence_per_line";
  std::string out;
  std::string tokenizer;
  int64_t vocab_size = 30522;
  std::string model_type = "unigram";
  double character_coverage = 0.9995;
  int64_t tokenizer_sample_sentences = 1000000;
  int64_t tokenizer_threads = 4;
  std::string packing = "classic";
  double short_seq_prob = 0.1;
  double random_next_prob = 0.5;
  int64_t dupe_factor = 1;
  int64_t seed = 12345;
  int64_t threads = 0;
  int64_t parts = 0;
  int64_t timeout_s = 24 * 3600;
  int64_t shard_bytes = int64_t{64} << 20;
  std::vector<int64_t> lengths;
};

config::OptionTable<BertPrepareOptions> bert_prepare_table() {
  using O = BertPrepareOptions;
  config::OptionTable<O> t;
  t.add("prepare.inputs", &O::inputs,
        "text files: one sentence per line, a blank line between documents (required)")
      .add("prepare.format", &O::format,
           "sentence_per_line | raw (ICU splits each document into sentences)")
      .add("prepare.out", &O::out,
           "output directory: tokenizer, seq<L>/ shard sets, summary.txt (required)")
      .add("prepare.tokenizer", &O::tokenizer,
           "a SentencePiece .model or WordPiece vocab.txt to use; empty = train SentencePiece")
      .add("prepare.vocab_size", &O::vocab_size,
           "SentencePiece vocabulary size (with the 5 specials)")
      .add("prepare.model_type", &O::model_type, "SentencePiece model: unigram | bpe")
      .add("prepare.character_coverage", &O::character_coverage,
           "SentencePiece character coverage (1.0 for small alphabets)")
      .add("prepare.tokenizer_sample_sentences", &O::tokenizer_sample_sentences,
           "sentences (non-blank lines) SentencePiece trains on: a uniform sample without "
           "replacement drawn across all parts by prepare.seed, the same for any ranks and "
           "threads; memory holds this many sentences")
      .add("prepare.tokenizer_threads", &O::tokenizer_threads,
           "SentencePiece trainer threads; the model's bytes depend on it, so it is an option of "
           "the output (fixed), not of the machine")
      .add("prepare.packing", &O::packing,
           "classic (BERT sentence pairs + NSP) | contiguous (RoBERTa, no NSP)")
      .add("prepare.short_seq_prob", &O::short_seq_prob, "classic: chance of a shorter sequence")
      .add("prepare.random_next_prob", &O::random_next_prob, "classic: chance of a random next B")
      .add("prepare.dupe_factor", &O::dupe_factor,
           "classic: passes over the corpus, each packed anew")
      .add("prepare.seed", &O::seed, "packing and tokenizer-sampling seed")
      .add("prepare.threads", &O::threads,
           "worker threads per rank (sampling, tokenizing, packing); 0 = this machine's cores "
           "divided among its ranks. The output never depends on it")
      .add("prepare.parts", &O::parts,
           "parts the inputs are cut into (byte ranges at line starts, or whole files when there "
           "are at least as many files), dealt to the ranks; the unit of memory, of NSP's random "
           "next sentences and of resume. The output depends on it, never on ranks or threads. "
           "0 = one part per 64 MiB of input, at least one per file")
      .add("prepare.timeout_s", &O::timeout_s,
           "seconds a rank waits for the others between stages under torchrun / Slurm / MPI "
           "(a stage can take hours on a large corpus)")
      .add("prepare.shard_bytes", &O::shard_bytes,
           "payload bytes per shard; each part writes its own shards, so a part's last shard "
           "is usually smaller")
      .add("prepare.lengths", &O::lengths,
           "sequence lengths to pack; empty = the phases' lengths (phases.max_seq_length or "
           "data.max_seq_length)");
  return t;
}

}  // namespace

config::Schema bert_prepare_schema() { return bert_prepare_table().schema(); }

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

}  // namespace ptk::recipes
