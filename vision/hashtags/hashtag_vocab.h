// The hashtag vocabulary: canonical classes (WordNet synsets) counted over a manifest, the K
// most frequent kept, ids 0..K-1 in decreasing count order (ties: smaller synset offset
// first), saved as vocab.tsv. A class's count is the number of images that carry it (an
// image counts once per class however many member hashtags it has), so after the images are
// relabelled with this vocabulary the counts are exactly the per-class image counts the
// resampling weights need. Deterministic; a built vocabulary is immutable and thread safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ptk::vision {

class Canonicalizer;

// The paper's vocabulary sizes.
constexpr int64_t kVocab1_5k = 1500;
constexpr int64_t kVocab8_5k = 8500;
constexpr int64_t kVocab17k = 17000;
// "1.5k", "8.5k", "17k" (the presets) or a positive integer; otherwise a usage Error.
int64_t parse_vocab_size(const std::string& text);

struct VocabEntry {
  int32_t id = 0;
  std::string name;     // the synset's first lemma ("jersey")
  uint32_t synset = 0;  // data.noun offset; written as a wnid ("n03595614")
  uint64_t count = 0;   // images carrying this class
  // Normalised hashtags seen for this class with their image counts, most frequent first.
  std::vector<std::pair<std::string, uint64_t>> members;
};

class HashtagVocab {
 public:
  HashtagVocab() = default;
  explicit HashtagVocab(std::vector<VocabEntry> entries);  // ids must be 0..n-1 in order

  // vocab.tsv: a header "id<TAB>name<TAB>synset<TAB>count<TAB>members", then one line per
  // class; members are "hashtag=count" joined by ','; '%', ',', '=', TAB and newline inside
  // a hashtag are written %25, %2C, %3D, %09, %0A.
  void write_tsv(const std::string& path) const;
  // Errors name the file, line and field that is wrong.
  static HashtagVocab read_tsv(const std::string& path);

  size_t size() const { return entries_.size(); }
  const VocabEntry& entry(int32_t id) const { return entries_.at(static_cast<size_t>(id)); }
  const std::vector<VocabEntry>& entries() const { return entries_; }
  std::optional<int32_t> class_of_synset(uint32_t synset) const;
  // Per-class image counts, indexed by id (what resampling weights are computed from).
  std::vector<uint64_t> counts() const;

 private:
  std::vector<VocabEntry> entries_;
  std::unordered_map<uint32_t, int32_t> by_synset_;
};

// Counts canonical classes over images (the first pass of `prepare`).
class HashtagCounter {
 public:
  // One image's canonical hashtags: (normalised hashtag, synset) pairs. Duplicates within
  // the image count once.
  void add_image(const std::vector<std::pair<std::string, uint32_t>>& tags);
  // Adds the counts of another counter saved as a vocabulary of all its classes
  // (build(num_classes()) then write_tsv): how a preparation job merges its parts' counts.
  void merge(const HashtagVocab& counts, uint64_t images);
  uint64_t images() const { return images_; }
  size_t num_classes() const { return counts_.size(); }
  // The `k` most frequent classes (all of them when fewer); names from `canonicalizer`.
  HashtagVocab build(int64_t k, const Canonicalizer& canonicalizer) const;

 private:
  uint64_t images_ = 0;
  std::unordered_map<uint32_t, uint64_t> counts_;
  std::unordered_map<uint32_t, std::map<std::string, uint64_t>> members_;
};

}  // namespace ptk::vision
