#include "demos/demo_hashtags.h"

#include <algorithm>
#include <set>

#include "common/base/error.h"
#include "common/data/philox.h"
#include "vision/hashtags/wordnet.h"

namespace ptk::demo {

const std::array<FashionClass, 10> kFashionClasses = {{
    {"T-shirt/top", 3595614, "jersey, T-shirt, tee_shirt"},
    {"Trouser", 4489008, "trouser, pant"},
    {"Pullover", 4021028, "pullover, slipover"},
    {"Dress", 3236735, "dress, frock"},
    {"Coat", 3057021, "coat"},
    {"Sandal", 4133789, "sandal"},
    {"Shirt", 4197391, "shirt"},
    {"Sneaker", 3472535, "gym_shoe, sneaker, tennis_shoe"},
    {"Bag", 2774152, "bag, handbag, pocketbook, purse"},
    {"Ankle boot", 2872752, "boot"},
}};

const std::vector<std::string> kPopularTags = {"love",   "instagood", "photooftheday", "fashion",
                                               "style",  "ootd",      "shopping",      "cute",
                                               "summer", "vintage",   "sale",          "tbt"};

namespace {

// Lemmas of `synset` that canonicalise back to it, with '_' kept. Ambiguous lemmas whose
// most common sense is something else ("jersey" the island, "bag" the container) are left
// out so the simulated class tag really names the class.
std::vector<std::string> own_lemmas(const vision::Canonicalizer& canonicalizer,
                                    const vision::Synset& synset) {
  std::vector<std::string> out;
  for (const std::string& lemma : synset.lemmas) {
    auto match = canonicalizer.canonicalize(lemma);
    if (match && match->synset == synset.offset) out.push_back(lemma);
  }
  return out;
}

std::string render(const std::string& lemma, data::SampleRng& rng) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  const double u = rng.uniform_double();
  std::string out = "#";
  if (u < 0.10) {  // separators kept
    for (char c : lemma) out.push_back(lower(c));
    return out;
  }
  bool word_start = true;
  for (char c : lemma) {
    if (c == '_' || c == '-' || c == ' ') {
      word_start = true;
      continue;
    }
    if (u < 0.30) {
      out.push_back(word_start ? upper(c) : lower(c));  // CamelCase
    } else if (u < 0.40) {
      out.push_back(upper(c));
    } else {
      out.push_back(lower(c));
    }
    word_start = false;
  }
  if (u >= 0.95) out += "!";
  return out;
}

}  // namespace

std::array<ClassTags, 10> resolve_class_tags(const vision::Canonicalizer& canonicalizer) {
  const vision::WordNet& wordnet = canonicalizer.wordnet();
  std::set<uint32_t> class_synsets;
  for (const auto& c : kFashionClasses) class_synsets.insert(c.synset);
  std::array<ClassTags, 10> out;
  for (size_t k = 0; k < kFashionClasses.size(); ++k) {
    const FashionClass& c = kFashionClasses[k];
    const vision::Synset* synset = wordnet.synset(c.synset);
    if (synset == nullptr) {
      throw error("WordNet has no noun synset {} ({}) for class {}; the demo needs WordNet 3.0",
                  vision::wnid(c.synset), c.lemmas, c.name);
    }
    out[k].synonyms = own_lemmas(canonicalizer, *synset);
    if (out[k].synonyms.empty()) {
      throw error("no lemma of WordNet synset {} names it as its first sense (class {})",
                  vision::wnid(c.synset), c.name);
    }
    // Ancestors within three '@' steps, breadth first, skipping other classes.
    std::vector<uint32_t> frontier = synset->hypernyms;
    std::set<uint32_t> seen;
    for (int depth = 0; depth < 3 && !frontier.empty(); ++depth) {
      std::vector<uint32_t> next;
      for (uint32_t offset : frontier) {
        if (!seen.insert(offset).second) continue;
        const vision::Synset* ancestor = wordnet.synset(offset);
        if (ancestor == nullptr) continue;
        if (class_synsets.count(offset) == 0) {
          for (auto& lemma : own_lemmas(canonicalizer, *ancestor)) {
            out[k].hypernyms.push_back(std::move(lemma));
          }
        }
        next.insert(next.end(), ancestor->hypernyms.begin(), ancestor->hypernyms.end());
      }
      frontier = std::move(next);
    }
  }
  return out;
}

std::vector<std::string> simulate_hashtags(int label, const std::array<ClassTags, 10>& tags,
                                           const HashtagRates& rates, uint64_t seed, uint64_t split,
                                           uint64_t index) {
  // One counter stream per (split, index): the epoch slot of SampleRng carries the split.
  data::SampleRng rng(seed, split, index);
  const ClassTags& own = tags[static_cast<size_t>(label)];
  std::vector<std::string> out;
  auto add = [&](const std::string& lemma) {
    std::string tag = render(lemma, rng);
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
  };
  // All decisions are drawn up front whatever their outcomes, so changing one rate does not
  // change which tags the other decisions pick.
  const bool has_class = rng.bernoulli(rates.class_tag);
  const uint64_t synonym = rng.uniform_int(own.synonyms.size());
  const bool has_hypernym = rng.bernoulli(rates.hypernym_tag) && !own.hypernyms.empty();
  const uint64_t hypernym = rng.uniform_int(std::max<size_t>(own.hypernyms.size(), 1));
  const bool has_wrong = rng.bernoulli(rates.wrong_tag);
  const uint64_t wrong_class = (static_cast<uint64_t>(label) + 1 + rng.uniform_int(9)) % 10;
  const uint64_t wrong_synonym = rng.uniform_int(tags[wrong_class].synonyms.size());
  const bool popular_a = rng.bernoulli(rates.popular_tag);
  const uint64_t popular_a_tag = rng.uniform_int(kPopularTags.size());
  const bool popular_b = rng.bernoulli(rates.popular_tag);
  const uint64_t popular_b_tag = rng.uniform_int(kPopularTags.size());

  if (has_class) add(own.synonyms[synonym]);
  if (has_hypernym) add(own.hypernyms[hypernym]);
  if (has_wrong) add(tags[wrong_class].synonyms[wrong_synonym]);
  if (popular_a) add(kPopularTags[popular_a_tag]);
  if (popular_b) add(kPopularTags[popular_b_tag]);
  // People do not type tags in a fixed order.
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.uniform_int(i)]);
  return out;
}

}  // namespace ptk::demo
