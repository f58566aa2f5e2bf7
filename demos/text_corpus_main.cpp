// ptk-demo-corpus: builds the demo English text corpus from WordNet glosses and GCIDE.
//   ptk-demo-corpus [--config FILE] [demo.output_dir=DIR] [demo.corpus_kb=N] ...
// Writes <out>/corpus.txt in BERT's layout, the input of `prepare` for the BERT demo.
#include <filesystem>
#include <iostream>
#include <optional>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/config/config.h"
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

ptk::config::Schema schema() {
  ptk::config::Schema s;
  s.add("demo.output_dir", "demo-corpus", "output directory (created)");
  s.add("demo.corpus_kb", 4096, "corpus size in KiB (stops after the document reaching it)");
  s.add("demo.seed", 1, "seed of the document order");
  s.add("demo.wordnet", ptk::config::Value(true), "use WordNet glosses");
  s.add("demo.gcide", ptk::config::Value(true), "use GCIDE definitions");
  s.add("demo.wordnet_dir", ptk::demo::kDefaultGlossWordNetDir,
        "WordNet 3.0 database directory (data.noun, data.verb, data.adj, data.adv)");
  s.add("demo.gcide_dir", ptk::demo::kDefaultGcideDir,
        "directory of gcide.index and gcide.dict.dz");
  s.add("demo.synsets_per_document", 8, "WordNet synsets per document");
  return s;
}

int run(int argc, char** argv) {
  const std::optional<ptk::config::Config> resolved =
      ptk::config::resolve_tool_command_line(kUsage, schema(), argc, argv);
  if (!resolved) return 0;
  const ptk::config::Config& config = *resolved;

  ptk::demo::TextCorpusOptions corpus;
  const int64_t kb = config.get_int("demo.corpus_kb");
  if (kb <= 0) throw ptk::usage_error("demo.corpus_kb must be > 0, got " + std::to_string(kb));
  corpus.target_bytes = static_cast<uint64_t>(kb) << 10;
  corpus.seed = static_cast<uint64_t>(config.get_int("demo.seed"));
  corpus.wordnet = config.get_bool("demo.wordnet");
  corpus.gcide = config.get_bool("demo.gcide");
  corpus.wordnet_dir = config.get_string("demo.wordnet_dir");
  corpus.gcide_dir = config.get_string("demo.gcide_dir");
  corpus.synsets_per_document = static_cast<int>(config.get_int("demo.synsets_per_document"));

  const fs::path out_dir = config.get_string("demo.output_dir");
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
