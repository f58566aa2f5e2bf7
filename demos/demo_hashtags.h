// Simulated user hashtags for the Fashion-MNIST demo set: the ten classes mapped to WordNet
// 3.0 noun synsets, and per-image hashtags drawn from WordNet (synonyms of the class synset,
// hypernyms), popular unrelated tags, missing and wrong tags, at stated rates. Each image's
// tags are a pure function of (seed, split, index): the output is the same for the same seed
// whatever else changes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vision/hashtags/canonicalizer.h"

namespace ptk::demo {

struct FashionClass {
  const char* name;    // Fashion-MNIST's label name
  uint32_t synset;     // WordNet 3.0 data.noun offset (wnid = "n%08u")
  const char* lemmas;  // the synset's lemmas, for the README and error messages
};

// Fashion-MNIST label -> WordNet 3.0 noun synset.
extern const std::array<FashionClass, 10> kFashionClasses;

// Popular hashtags with no relation to the image (some are WordNet nouns, e.g. #love,
// #fashion, #style; others are not, e.g. #instagood, #ootd).
extern const std::vector<std::string> kPopularTags;

struct HashtagRates {
  double class_tag = 0.80;     // a synonym of the image's own class synset
  double hypernym_tag = 0.50;  // a lemma of an ancestor synset (1-3 '@' steps up)
  double wrong_tag = 0.10;     // a synonym of another, random class
  double popular_tag = 0.50;   // each of two independent chances of a popular tag
};

// Tags that a class's images may carry, resolved from WordNet once.
struct ClassTags {
  std::vector<std::string> synonyms;   // lemmas whose first noun sense is the class synset
  std::vector<std::string> hypernyms;  // same rule, for ancestors that are not classes
};

// For every class: an Error naming the class and the synset when the WordNet files at hand
// lack it (not WordNet 3.0?).
std::array<ClassTags, 10> resolve_class_tags(const vision::Canonicalizer& canonicalizer);

// The hashtags of one image, in the order written to the manifest. Surface forms vary the
// way people type: "#teeshirt", "#TeeShirt", "#tee_shirt", "#TEESHIRT", "#teeshirt!".
std::vector<std::string> simulate_hashtags(int label, const std::array<ClassTags, 10>& tags,
                                           const HashtagRates& rates, uint64_t seed, uint64_t split,
                                           uint64_t index);

}  // namespace ptk::demo
