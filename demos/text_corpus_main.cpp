// ptk-demo-corpus: builds the demo English text corpus from WordNet glosses and GCIDE.
//   ptk-demo-corpus [--config FILE] [demo.output_dir=DIR] [demo.corpus_kb=N] ...
// Writes <out>/corpus.txt in BERT's layout, the input of `prepare` for the BERT demo.
#include <filesystem>
#include <iostream>
#include <optional>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/config/option_table.h"
#include "demos/text_corpus.h"

namespace fs = std::filesystem;

namespace {

constexpr char kUsage[] =
    "usage: ptk-demo-corpus [--config FILE] [key=value ...]\n"
    "\n"
    "Builds an English text corpus for the BERT demo from WordNet 3.0 glosses (wordnet-base)\n"
    "and GCIDE definitions (dict-gcide). Output is identical for the same options.\n"
    "\n"
    "Output: <demo.output_dir>/corpus.txt, one sentence per line, a blank line between\n"
    "documents. A WordNet document is up to demo.synsets_per_document consecutive synsets of\n"
    "one lexicographer file (\"<lemma>: <definition>.\" and its examples); a GCIDE document is\n"
    "one entry's numbered senses. Documents are drawn in a seeded random order until the file\n"
    "reaches demo.corpus_kb.\n"
    "\n";

struct TextCorpusCommand {
  std::string output_dir = "demo-corpus";
  int64_t corpus_kb = 4096;
  ptk::demo::TextCorpusOptions corpus;  // its defaults are the keys' defaults
};

ptk::config::OptionTable<TextCorpusCommand> text_corpus_table() {
  using C = TextCorpusCommand;
  using O = ptk::demo::TextCorpusOptions;
  using ptk::config::nested;
  ptk::config::OptionTable<C> t;
  t.add("demo.output_dir", &C::output_dir, "output directory (created)")
      .add("demo.corpus_kb", &C::corpus_kb,
           "corpus size in KiB (stops after the document reaching it)", ptk::config::above(0))
      .add("demo.seed", nested(&C::corpus, &O::seed), "seed of the document order")
      .add("demo.wordnet", nested(&C::corpus, &O::wordnet), "use WordNet glosses")
      .add("demo.gcide", nested(&C::corpus, &O::gcide), "use GCIDE definitions")
      .add("demo.wordnet_dir", nested(&C::corpus, &O::wordnet_dir),
           "WordNet 3.0 database directory (data.noun, data.verb, data.adj, data.adv)")
      .add("demo.gcide_dir", nested(&C::corpus, &O::gcide_dir),
           "directory of gcide.index and gcide.dict.dz")
      .add("demo.synsets_per_document", nested(&C::corpus, &O::synsets_per_document),
           "WordNet synsets per document");
  return t;
}

int run(int argc, char** argv) {
  const auto table = text_corpus_table();
  const std::optional<ptk::config::Config> resolved =
      ptk::config::resolve_tool_command_line(kUsage, table.schema(), argc, argv);
  if (!resolved) return 0;
  TextCorpusCommand command = table.read(*resolved);
  ptk::demo::TextCorpusOptions& corpus = command.corpus;
  corpus.target_bytes = static_cast<uint64_t>(command.corpus_kb) << 10;

  const fs::path out_dir = command.output_dir;
  fs::create_directories(out_dir);
  const fs::path path = out_dir / "corpus.txt";
  const auto stats = ptk::demo::write_text_corpus(corpus, path.string());
  std::cout << "Wrote " << stats.documents << " documents (" << stats.wordnet_documents
            << " from WordNet glosses, " << stats.gcide_documents << " from GCIDE; "
            << stats.available_documents << " available), " << stats.sentences << " sentences, "
            << stats.bytes << " bytes to " << path.string() << ".\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-demo-corpus", [&] { return run(argc, argv); });
}
