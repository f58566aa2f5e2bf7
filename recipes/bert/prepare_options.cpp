#include "recipes/bert/prepare_options.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/config/option_table.h"
#include "recipes/bert/bert_phases.h"

namespace ptk::recipes {

namespace {

config::OptionTable<BertPrepareOptions> bert_prepare_table() {
  using O = BertPrepareOptions;
  config::OptionTable<O> t;
  t.add("prepare.inputs", &O::inputs,
        "text files: one sentence per line, a blank line between documents (required)",
        config::non_empty("is required (a list of text files)"))
      .add("prepare.format", &O::format,
           "sentence_per_line | raw (ICU splits each document into sentences)",
           config::one_of({"sentence_per_line", "raw"}))
      .add("prepare.out", &O::out,
           "output directory: tokenizer, seq<L>/ shard sets, summary.txt (required)",
           config::non_empty("is required"))
      .add("prepare.tokenizer", &O::tokenizer,
           "a SentencePiece .model or WordPiece vocab.txt to use; empty = train SentencePiece")
      .add("prepare.vocab_size", &O::vocab_size,
           "SentencePiece vocabulary size (with the 5 specials)")
      .add("prepare.model_type", &O::model_type, "SentencePiece model: unigram | bpe",
           config::one_of({"unigram", "bpe"}))
      .add("prepare.character_coverage", &O::character_coverage,
           "SentencePiece character coverage (1.0 for small alphabets)")
      .add("prepare.tokenizer_sample_sentences", &O::tokenizer_sample_sentences,
           "sentences (non-blank lines) SentencePiece trains on: a uniform sample without "
           "replacement drawn across all parts by prepare.seed, the same for any ranks and "
           "threads; memory holds this many sentences",
           config::at_least(1, "it bounds the memory of tokenizer training"))
      .add("prepare.tokenizer_threads", &O::tokenizer_threads,
           "SentencePiece trainer threads; the model's bytes depend on it, so it is an option of "
           "the output (fixed), not of the machine",
           config::at_least(1))
      .add("prepare.packing", &O::packing,
           "classic (BERT sentence pairs + NSP) | contiguous (RoBERTa, no NSP)",
           config::one_of({"classic", "contiguous"}))
      .add("prepare.short_seq_prob", &O::short_seq_prob, "classic: chance of a shorter sequence")
      .add("prepare.random_next_prob", &O::random_next_prob, "classic: chance of a random next B")
      .add("prepare.dupe_factor", &O::dupe_factor,
           "classic: passes over the corpus, each packed anew")
      .add("prepare.seed", &O::seed, "packing and tokenizer-sampling seed")
      .add("prepare.threads", &O::threads,
           "worker threads per rank (sampling, tokenizing, packing); 0 = this machine's cores "
           "divided among its ranks. The output never depends on it",
           config::at_least(0))
      .add("prepare.parts", &O::parts,
           "parts the inputs are cut into (byte ranges at line starts, or whole files when there "
           "are at least as many files), dealt to the ranks; the unit of memory, of NSP's random "
           "next sentences and of resume. The output depends on it, never on ranks or threads. "
           "0 = one part per 64 MiB of input, at least one per file",
           config::at_least(0))
      .add("prepare.timeout_s", &O::timeout_s,
           "seconds a rank waits for the others between stages under torchrun / Slurm / MPI "
           "(a stage can take hours on a large corpus)",
           config::at_least(1))
      .add("prepare.shard_bytes", &O::shard_bytes,
           "payload bytes per shard; each part writes its own shards, so a part's last shard "
           "is usually smaller",
           config::at_least(1))
      .add("prepare.lengths", &O::lengths,
           "sequence lengths to pack; empty = the phases' lengths (phases.max_seq_length or "
           "data.max_seq_length)",
           config::satisfies(
               [](const std::vector<int64_t>& lengths) {
                 return std::all_of(lengths.begin(), lengths.end(),
                                    [](int64_t length) { return length >= 8; });
               },
               "must hold lengths >= 8"));
  return t;
}

}  // namespace

config::Schema bert_prepare_schema() { return bert_prepare_table().schema(); }

BertPrepareOptions read_bert_prepare_options(const config::Config& config) {
  BertPrepareOptions options = bert_prepare_table().read(config);
  if (options.lengths.empty()) {
    throw usage_error("prepare.lengths is empty (ptk-bert prepare fills it in from the phases)");
  }
  return options;
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

}  // namespace ptk::recipes
