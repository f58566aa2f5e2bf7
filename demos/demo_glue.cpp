#include "demos/demo_glue.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/base/error.h"
#include "common/data/philox.h"
#include "common/io/atomic_file.h"
#include "vision/hashtags/wordnet.h"

namespace ptk::demo {
namespace {

constexpr uint32_t kOrganism = 4475;   // organism.n.01: "a living thing that has ..."
constexpr uint32_t kArtifact = 21939;  // artifact.n.01: "a man-made object ..."

// Random streams (SampleRng's epoch argument), one per use, so that changing one size does
// not reshuffle unrelated choices.
constexpr uint64_t kLivingOrder = 1, kArtifactOrder = 2, kSstRowOrder = 10;
constexpr uint64_t kPairSplit = 20, kEdgeOrder = 30, kPartnerDraw = 40, kPairRowOrder = 50;

enum Split { kTrain = 0, kDev = 1, kTest = 2 };
constexpr const char* kSplitNames[] = {"train", "dev", "test"};

// A noun synset whose definition no other synset shares, so a sentence names one noun.
struct Noun {
  const vision::Synset* synset;
  std::string definition;
};

struct Row {
  int label;
  const Noun* first;
  const Noun* second = nullptr;  // sentence-pair tasks
};

int64_t positives_of(int64_t rows) { return rows / 2; }

int64_t rows_of(const DemoGlueOptions& options, int split) {
  return split == kTrain ? options.train_rows
         : split == kDev ? options.dev_rows
                         : options.test_rows;
}

template <typename T>
void shuffle(std::vector<T>& items, uint64_t seed, uint64_t stream) {
  data::SampleRng rng(seed, stream, 0);
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.uniform_int(i)]);
}

size_t word_count(const std::string& text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool blank = c == ' ';
    if (!blank && !in_word) ++words;
    in_word = !blank;
  }
  return words;
}

std::vector<Noun> nouns_with_unique_definitions(const vision::WordNet& wordnet) {
  std::unordered_map<std::string, int> uses;
  std::vector<Noun> candidates;
  for (const auto& synset : wordnet.synsets()) {
    std::string definition = gloss_definition(synset.gloss);
    if (word_count(definition) < 3) continue;  // too short to be a sentence
    ++uses[definition];
    candidates.push_back({&synset, std::move(definition)});
  }
  std::vector<Noun> nouns;
  for (auto& noun : candidates) {
    if (uses[noun.definition] == 1) nouns.push_back(std::move(noun));
  }
  return nouns;
}

// Offsets of `root` and every synset below it (hyponyms, instances, transitively).
std::unordered_set<uint32_t> descendants(const vision::WordNet& wordnet, uint32_t root) {
  std::unordered_map<uint32_t, std::vector<uint32_t>> hyponyms;
  for (const auto& synset : wordnet.synsets()) {
    for (uint32_t parent : synset.hypernyms) hyponyms[parent].push_back(synset.offset);
  }
  std::unordered_set<uint32_t> found = {root};
  std::vector<uint32_t> pending = {root};
  while (!pending.empty()) {
    const uint32_t offset = pending.back();
    pending.pop_back();
    for (uint32_t child : hyponyms[offset]) {
      if (found.insert(child).second) pending.push_back(child);
    }
  }
  return found;
}

void check_sizes(const DemoGlueOptions& options) {
  const std::pair<const char*, int64_t> sizes[] = {{"demo.train_rows", options.train_rows},
                                                   {"demo.dev_rows", options.dev_rows},
                                                   {"demo.test_rows", options.test_rows}};
  for (const auto& [key, rows] : sizes) {
    if (rows < 2) throw usage_error("{} must be >= 2, got {}", key, rows);
  }
}

void not_enough(const std::string& task, const std::string& what, int64_t needed,
                int64_t available) {
  throw usage_error(
      "demo {}: the requested sizes (demo.train_rows, demo.dev_rows, demo.test_rows) need {} {} "
      "but WordNet offers {}; ask for fewer rows",
      task, needed, what, available);
}

// SST-2 layout: living things (1) against artifacts (0), each definition used once.
std::vector<std::vector<Row>> living_or_artifact_rows(const vision::WordNet& wordnet,
                                                      const std::vector<Noun>& nouns,
                                                      const DemoGlueOptions& options) {
  const auto living = descendants(wordnet, kOrganism);
  const auto artifacts = descendants(wordnet, kArtifact);
  std::vector<const Noun*> positives, negatives;
  for (const auto& noun : nouns) {
    const bool is_living = living.count(noun.synset->offset) != 0;
    const bool is_artifact = artifacts.count(noun.synset->offset) != 0;
    if (is_living != is_artifact) (is_living ? positives : negatives).push_back(&noun);
  }
  shuffle(positives, options.seed, kLivingOrder);
  shuffle(negatives, options.seed, kArtifactOrder);
  std::vector<std::vector<Row>> splits(3);
  size_t next_positive = 0, next_negative = 0;
  for (int split : {kDev, kTest, kTrain}) {  // dev and test first: they keep their sentences
    const int64_t rows = rows_of(options, split);
    for (int64_t i = 0; i < rows; ++i) {
      const bool positive = i < positives_of(rows);
      auto& pool = positive ? positives : negatives;
      size_t& next = positive ? next_positive : next_negative;
      if (next >= pool.size()) {
        int64_t needed = 0;
        for (int s = 0; s < 3; ++s) {
          const int64_t n = rows_of(options, s);
          needed += positive ? positives_of(n) : n - positives_of(n);
        }
        not_enough("SST-2", positive ? "definitions of living things" : "definitions of artifacts",
                   needed, static_cast<int64_t>(pool.size()));
      }
      splits[split].push_back({positive ? 1 : 0, pool[next++]});
    }
    shuffle(splits[split], options.seed, kSstRowOrder + split);
  }
  return splits;
}

bool related(const vision::Synset& a, const vision::Synset& b) {
  auto is_parent = [](const vision::Synset& child, uint32_t parent) {
    for (uint32_t h : child.hypernyms) {
      if (h == parent) return true;
    }
    return false;
  };
  return a.offset == b.offset || is_parent(a, b.offset) || is_parent(b, a.offset);
}

// Each noun goes to one split, drawn with weights sqrt(rows): a pair needs both nouns in its
// split, so a split's share of hypernym edges grows with the square of its share of nouns.
std::vector<int> assign_pair_splits(const std::vector<Noun>& nouns,
                                    const DemoGlueOptions& options) {
  double weights[3], total = 0;
  for (int split = 0; split < 3; ++split) {
    weights[split] = std::sqrt(static_cast<double>(rows_of(options, split)));
    total += weights[split];
  }
  std::vector<int> split_of(nouns.size());
  for (size_t i = 0; i < nouns.size(); ++i) {
    double draw = data::SampleRng(options.seed, kPairSplit, i).uniform_double() * total;
    int split = 0;
    while (split < 2 && draw >= weights[split]) draw -= weights[split++];
    split_of[i] = split;
  }
  return split_of;
}

// MRPC layout: a noun and its direct hypernym (1) against the noun and an unrelated noun (0).
std::vector<std::vector<Row>> hypernym_pair_rows(const std::vector<Noun>& nouns,
                                                 const DemoGlueOptions& options) {
  const std::vector<int> split_of = assign_pair_splits(nouns, options);
  std::unordered_map<uint32_t, size_t> by_offset;
  for (size_t i = 0; i < nouns.size(); ++i) by_offset[nouns[i].synset->offset] = i;
  std::vector<std::vector<Row>> edges(3);
  std::vector<std::vector<const Noun*>> members(3);
  for (size_t i = 0; i < nouns.size(); ++i) {
    members[split_of[i]].push_back(&nouns[i]);
    for (uint32_t parent : nouns[i].synset->hypernyms) {
      const auto found = by_offset.find(parent);
      if (found != by_offset.end() && split_of[found->second] == split_of[i]) {
        edges[split_of[i]].push_back({1, &nouns[i], &nouns[found->second]});
      }
    }
  }
  std::vector<std::vector<Row>> splits(3);
  for (int split = 0; split < 3; ++split) {
    const int64_t rows = rows_of(options, split);
    const int64_t positives = positives_of(rows);
    auto& candidates = edges[split];
    if (static_cast<int64_t>(candidates.size()) < positives) {
      not_enough("MRPC", std::string("noun-hypernym pairs in ") + kSplitNames[split], positives,
                 static_cast<int64_t>(candidates.size()));
    }
    shuffle(candidates, options.seed, kEdgeOrder + split);
    std::set<std::pair<uint32_t, uint32_t>> used;
    for (int64_t i = 0; i < positives; ++i) {
      splits[split].push_back(candidates[i]);
      used.insert({candidates[i].first->synset->offset, candidates[i].second->synset->offset});
    }
    // Negatives reuse the first sentences of other hypernym pairs, so sentence #1 alone does
    // not give the label away.
    data::SampleRng rng(options.seed, kPartnerDraw + split, 0);
    const auto& pool = members[split];
    for (int64_t i = positives; i < rows; ++i) {
      const Noun* first = candidates[i % candidates.size()].first;
      const Noun* partner = nullptr;
      for (int attempt = 0; attempt < 1000 && partner == nullptr; ++attempt) {
        const Noun* drawn = pool[rng.uniform_int(pool.size())];
        if (!related(*first->synset, *drawn->synset) &&
            used.insert({first->synset->offset, drawn->synset->offset}).second) {
          partner = drawn;
        }
      }
      if (partner == nullptr) {
        not_enough("MRPC", std::string("unrelated pairs in ") + kSplitNames[split],
                   rows - positives, i - positives);
      }
      splits[split].push_back({0, first, partner});
    }
    shuffle(splits[split], options.seed, kPairRowOrder + split);
  }
  return splits;
}

std::string sst2_text(const std::vector<Row>& rows, bool test) {
  std::string text = test ? "index\tsentence\n" : "sentence\tlabel\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (test) {
      text += fmt::format("{}\t{}\n", i, rows[i].first->definition);
    } else {
      text += fmt::format("{}\t{}\n", rows[i].first->definition, rows[i].label);
    }
  }
  return text;
}

std::string mrpc_text(const std::vector<Row>& rows, bool test) {
  std::string text =
      std::string(test ? "index" : "Quality") + "\t#1 ID\t#2 ID\t#1 String\t#2 String\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const int64_t first_column = test ? static_cast<int64_t>(i) : row.label;
    text += fmt::format("{}\t{}\t{}\t{}\t{}\n", first_column,
                        vision::wnid(row.first->synset->offset).substr(1),
                        vision::wnid(row.second->synset->offset).substr(1), row.first->definition,
                        row.second->definition);
  }
  return text;
}

void write_task(const std::string& out_dir, const std::string& task,
                const std::vector<std::vector<Row>>& splits,
                std::string (*format)(const std::vector<Row>&, bool), DemoGlueStats& stats) {
  const std::string dir = out_dir + "/" + task;
  std::filesystem::create_directories(dir);
  for (int split : {kTrain, kDev, kTest}) {
    DemoGlueFile file;
    file.path = dir + "/" + kSplitNames[split] + ".tsv";
    io::write_file_atomic(file.path, format(splits[split], split == kTest));
    file.rows = static_cast<int64_t>(splits[split].size());
    for (const Row& row : splits[split]) file.positives += row.label;
    stats.files.push_back(file);
  }
}

}  // namespace

std::string gloss_definition(const std::string& gloss) {
  std::string definition;
  for (char c : gloss.substr(0, gloss.find('"'))) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!definition.empty() && definition.back() != ' ') definition += ' ';
    } else {
      definition += c;
    }
  }
  while (!definition.empty() && (definition.back() == ' ' || definition.back() == ';')) {
    definition.pop_back();
  }
  return definition;
}

DemoGlueStats write_demo_glue(const DemoGlueOptions& options, const std::string& out_dir) {
  check_sizes(options);
  const vision::WordNet wordnet = vision::WordNet::load(options.wordnet_dir);
  const std::vector<Noun> nouns = nouns_with_unique_definitions(wordnet);
  DemoGlueStats stats;
  stats.definitions = static_cast<int64_t>(nouns.size());
  const auto sst2 = living_or_artifact_rows(wordnet, nouns, options);
  const auto mrpc = hypernym_pair_rows(nouns, options);
  std::filesystem::create_directories(out_dir);
  write_task(out_dir, "SST-2", sst2, sst2_text, stats);
  write_task(out_dir, "MRPC", mrpc, mrpc_text, stats);
  return stats;
}

}  // namespace ptk::demo
