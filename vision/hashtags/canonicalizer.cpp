#include "vision/hashtags/canonicalizer.h"

namespace ptk::vision {

std::string squash_lemma(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '_' || c == '-') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

Canonicalizer::Canonicalizer(const WordNet& wordnet) : wordnet_(wordnet) {
  squashed_to_lemma_.reserve(wordnet.num_lemmas());
  for (const std::string& lemma : wordnet.lemmas()) {
    std::string key = squash_lemma(lemma);
    auto [it, inserted] = squashed_to_lemma_.emplace(key, lemma);
    // "pullover" must beat "pull_over": the spelling the user typed is the better evidence.
    if (!inserted && lemma == key) it->second = lemma;
  }
}

const std::string* Canonicalizer::find(const std::string& squashed) const {
  auto it = squashed_to_lemma_.find(squashed);
  return it == squashed_to_lemma_.end() ? nullptr : &it->second;
}

std::optional<CanonicalMatch> Canonicalizer::canonicalize(std::string_view hashtag) const {
  const std::string key = squash_lemma(hashtag);
  if (key.empty()) return std::nullopt;
  auto make = [&](const std::string& lemma, MatchRule rule) {
    CanonicalMatch match;
    match.synset = wordnet_.senses(lemma)->front();
    match.lemma = lemma;
    match.rule = rule;
    return match;
  };
  if (const std::string* lemma = find(key)) return make(*lemma, MatchRule::kExact);

  // noun.exc keys use '_' between words; try the hashtag both as typed (spaces -> '_') and
  // squashed, since users drop the separators.
  std::string underscored(hashtag);
  for (char& c : underscored) {
    if (c == ' ') c = '_';
  }
  for (const std::string& form : {underscored, key}) {
    if (const auto* bases = wordnet_.exception_bases(form)) {
      for (const std::string& base : *bases) {
        if (const std::string* lemma = find(squash_lemma(base))) {
          return make(*lemma, MatchRule::kIrregularPlural);
        }
      }
    }
  }

  struct Suffix {
    const char* from;
    const char* to;
  };
  static const Suffix kRules[] = {{"ses", "s"},   {"xes", "x"},   {"zes", "z"}, {"ches", "ch"},
                                  {"shes", "sh"}, {"men", "man"}, {"ies", "y"}, {"s", ""}};
  for (const Suffix& rule : kRules) {
    const std::string_view from(rule.from);
    if (key.size() <= from.size() ||
        key.compare(key.size() - from.size(), from.size(), from) != 0) {
      continue;
    }
    if (from == "s" && key.size() >= 2 && key[key.size() - 2] == 's') continue;
    std::string stem = key.substr(0, key.size() - from.size()) + rule.to;
    if (stem.size() < 3) continue;
    if (const std::string* lemma = find(stem)) return make(*lemma, MatchRule::kRegularPlural);
  }
  return std::nullopt;
}

std::string Canonicalizer::canonical_name(uint32_t synset) const {
  const Synset* s = wordnet_.synset(synset);
  if (s == nullptr || s->lemmas.empty()) return wnid(synset);
  std::string name = s->lemmas.front();
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

}  // namespace ptk::vision
