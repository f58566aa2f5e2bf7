// Maps a normalised hashtag to the WordNet noun synset it names, so synonyms merge into one
// class (#brownbear and #ursusarctos -> n02132136). Matching rules, tried in order:
//   1. exact: the hashtag with spaces, '_' and '-' removed equals a noun lemma with the same
//      characters removed ("teeshirt", "tee shirt", "tee-shirt" all match "tee_shirt");
//   2. irregular plural: the squashed hashtag is a form listed in noun.exc ("mice" -> "mouse");
//   3. regular plural: WordNet's own noun suffix rules (morphy): -s, -ses->-s, -xes->-x,
//      -zes->-z, -ches->-ch, -shes->-sh, -men->-man, -ies->-y; never "-ss" -> "-s", and the
//      stem must keep at least 3 characters. The first rule that gives a lemma wins.
// The synset is the lemma's first (most common) sense. When two lemmas squash to the same
// string, a lemma that has no separators wins, else the first in index.noun order.
// Immutable after construction; thread safe; deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vision/hashtags/wordnet.h"

namespace ptk::vision {

enum class MatchRule { kExact, kIrregularPlural, kRegularPlural };

struct CanonicalMatch {
  uint32_t synset = 0;  // data.noun offset
  std::string lemma;    // the index.noun lemma that matched ("tee_shirt")
  MatchRule rule = MatchRule::kExact;
};

class Canonicalizer {
 public:
  // Keeps a reference to `wordnet`, which must outlive the Canonicalizer.
  explicit Canonicalizer(const WordNet& wordnet);

  // `hashtag` as HashtagNormalizer returns it (case folded). nullopt: not a WordNet noun.
  std::optional<CanonicalMatch> canonicalize(std::string_view hashtag) const;

  // A readable class name: the synset's first lemma, lower case, '_' kept ("jersey").
  std::string canonical_name(uint32_t synset) const;

  const WordNet& wordnet() const { return wordnet_; }

 private:
  const std::string* find(const std::string& squashed) const;
  const WordNet& wordnet_;
  std::unordered_map<std::string, std::string> squashed_to_lemma_;
};

// Lower-cases ASCII letters and removes ' ', '_' and '-'.
std::string squash_lemma(std::string_view text);

}  // namespace ptk::vision
