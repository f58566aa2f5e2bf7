// The noun part of a WordNet 3.0 database, read from its own files (index.noun, data.noun,
// noun.exc, as Debian's wordnet-base installs them): lemma -> synsets (first = most common
// sense), synset -> lemmas and hypernyms, irregular plural -> base forms. Immutable after
// load, so it may be shared by threads; loading the full noun database takes well under a second.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ptk::vision {

// Where Debian's wordnet-base installs the database.
constexpr char kDefaultWordNetDir[] = "/usr/share/wordnet";

struct Synset {
  uint32_t offset = 0;              // byte offset in data.noun: the synset's id in WordNet 3.0
  std::vector<std::string> lemmas;  // as written in data.noun ("T-shirt", "tee_shirt")
  std::vector<uint32_t> hypernyms;  // '@' and '@i' pointers, as offsets
  std::string gloss;
};

class WordNet {
 public:
  // Reads `<dir>/index.noun`, `<dir>/data.noun` and `<dir>/noun.exc` (the last is optional).
  // A missing file or a malformed line is an Error naming the file and line.
  static WordNet load(const std::string& dir = kDefaultWordNetDir);

  // Synset offsets of a noun lemma, most common sense first; nullptr when unknown. The lemma
  // is matched as index.noun writes it: lower case, words joined by '_'.
  const std::vector<uint32_t>* senses(std::string_view lemma) const;
  // nullptr when no synset has this offset.
  const Synset* synset(uint32_t offset) const;
  // Base forms of an irregular noun form listed in noun.exc ("mice" -> {"mouse"}); nullptr
  // when not listed.
  const std::vector<std::string>* exception_bases(std::string_view form) const;

  size_t num_lemmas() const { return index_order_.size(); }
  size_t num_synsets() const { return synsets_.size(); }
  // Lemmas in index.noun order (alphabetical), for building lookup tables.
  const std::vector<std::string>& lemmas() const { return index_order_; }
  const std::vector<Synset>& synsets() const { return synsets_; }

 private:
  std::vector<Synset> synsets_;
  std::unordered_map<uint32_t, uint32_t> synset_index_;  // offset -> position in synsets_
  std::unordered_map<std::string, std::vector<uint32_t>> senses_;
  std::vector<std::string> index_order_;
  std::unordered_map<std::string, std::vector<std::string>> exceptions_;
};

// ImageNet's name for a noun synset: "n" + the 8-digit offset ("n03595614").
std::string wnid(uint32_t offset);
// The inverse; an Error unless `id` is "n" followed by 8 digits.
uint32_t parse_wnid(std::string_view id);

}  // namespace ptk::vision
