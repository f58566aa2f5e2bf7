// The demo English text corpus: WordNet 3.0 glosses (wordnet-base) and GCIDE definitions
// (dict-gcide) turned into BERT's input layout, one sentence per line and a blank line between
// documents. A WordNet document is a run of consecutive synsets of one lexicographer file; a
// GCIDE document is one dictionary entry. Which documents are kept is a pure function of the
// options (seed-keyed counter RNG), so the same options give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::demo {

constexpr char kDefaultGlossWordNetDir[] = "/usr/share/wordnet";
constexpr char kDefaultGcideDir[] = "/usr/share/dictd";

struct TextDocument {
  std::vector<std::string> sentences;  // single lines, valid UTF-8, non-empty
};

// Documents from data.{noun,verb,adj,adv} under `dir`: each synset gives "<lemma>: <gloss
// definition>." and its quoted examples as sentences; up to `synsets_per_document` synsets of
// one lexicographer file form a document. A missing or malformed file is an Error naming it
// (and the line).
std::vector<TextDocument> wordnet_gloss_documents(const std::string& dir, int synsets_per_document);

// Documents from `dir`/gcide.index + gcide.dict.dz (read as one gzip stream): the numbered
// senses of each entry, with GCIDE's markup ({links}, [accent codes], source tags) removed.
// Entries without numbered senses are not used.
std::vector<TextDocument> gcide_documents(const std::string& dir);

struct TextCorpusOptions {
  bool wordnet = true;
  bool gcide = true;
  std::string wordnet_dir = kDefaultGlossWordNetDir;
  std::string gcide_dir = kDefaultGcideDir;
  int synsets_per_document = 8;
  uint64_t target_bytes = 4ull << 20;  // stop after the document that reaches it
  uint64_t seed = 1;
};

struct TextCorpusStats {
  int64_t documents = 0;
  int64_t sentences = 0;
  uint64_t bytes = 0;
  int64_t wordnet_documents = 0;  // of those written
  int64_t gcide_documents = 0;
  int64_t available_documents = 0;  // before selection
};

// Shuffles the documents of the chosen sources and writes them to `path` until target_bytes.
TextCorpusStats write_text_corpus(const TextCorpusOptions& options, const std::string& path);

}  // namespace ptk::demo
