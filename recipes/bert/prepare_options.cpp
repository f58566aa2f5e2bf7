#include "recipes/bert/prepare_options.h"

#include <map>
#include <string>
#include <vector>

#include "recipes/bert/bert_phases.h"

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
      .add("prepare.tokenizer_sample_sentences", 1000000,
           "sentences (non-blank lines) SentencePiece trains on: a uniform sample without "
           "replacement drawn across all parts by prepare.seed, the same for any ranks and "
           "threads; memory holds this many sentences")
      .add("prepare.tokenizer_threads", 4,
           "SentencePiece trainer threads; the model's bytes depend on it, so it is an option of "
           "the output (fixed), not of the machine")
      .add("prepare.packing", "classic",
           "classic (BERT sentence pairs + NSP) | contiguous (RoBERTa, no NSP)")
      .add("prepare.short_seq_prob", config::Value(0.1), "classic: chance of a shorter sequence")
      .add("prepare.random_next_prob", config::Value(0.5), "classic: chance of a random next B")
      .add("prepare.dupe_factor", 1, "classic: passes over the corpus, each packed anew")
      .add("prepare.seed", 12345, "packing and tokenizer-sampling seed")
      .add("prepare.threads", 0,
           "worker threads per rank (sampling, tokenizing, packing); 0 = this machine's cores "
           "divided among its ranks. The output never depends on it")
      .add("prepare.parts", 0,
           "parts the inputs are cut into (byte ranges at line starts, or whole files when there "
           "are at least as many files), dealt to the ranks; the unit of memory, of NSP's random "
           "next sentences and of resume. The output depends on it, never on ranks or threads. "
           "0 = one part per 64 MiB of input, at least one per file")
      .add("prepare.timeout_s", 24 * 3600,
           "seconds a rank waits for the others between stages under torchrun / Slurm / MPI "
           "(a stage can take hours on a large corpus)")
      .add("prepare.shard_bytes", static_cast<int64_t>(64) << 20,
           "payload bytes per shard; each part writes its own shards, so a part's last shard "
           "is usually smaller")
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

}  // namespace ptk::recipes
