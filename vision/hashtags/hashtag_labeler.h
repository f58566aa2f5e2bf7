// Raw hashtags of one manifest record -> canonical classes: normalise (ICU), canonicalise
// (WordNet), then, once a vocabulary exists, class ids. Keeps the counts `prepare` reports:
// invalid UTF-8 (reported with file and line, hashtag dropped), empty, not a WordNet noun,
// outside the vocabulary, and images left with no class (the caller drops them).
// Not thread safe (it counts); use one per thread and add the stats.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/hashtag_normalizer.h"
#include "vision/hashtags/hashtag_vocab.h"
#include "vision/hashtags/manifest_reader.h"

namespace ptk::vision {

struct LabelStats {
  uint64_t images = 0;
  uint64_t images_without_class = 0;  // no hashtag survived: to be dropped
  uint64_t hashtags = 0;
  uint64_t invalid_utf8 = 0;
  uint64_t empty = 0;
  uint64_t not_in_wordnet = 0;
  uint64_t out_of_vocab = 0;  // a WordNet noun, but not among the vocabulary's K classes
  std::vector<std::string> invalid_utf8_examples;  // first 10, "file:line: ..."
  void add(const LabelStats& other);
};

class HashtagLabeler {
 public:
  // Both must outlive the labeler.
  HashtagLabeler(const HashtagNormalizer& normalizer, const Canonicalizer& canonicalizer)
      : normalizer_(normalizer), canonicalizer_(canonicalizer) {}

  // (normalised hashtag, synset) for every hashtag that names a WordNet noun, in manifest
  // order, duplicates kept (HashtagCounter counts each class once per image). `source` is
  // the manifest path used in reports.
  std::vector<std::pair<std::string, uint32_t>> canonical_tags(const ManifestRecord& record,
                                                               const std::string& source);
  // Sorted, distinct class ids of the record under `vocab`; empty when none survives.
  std::vector<int32_t> labels(const ManifestRecord& record, const std::string& source,
                              const HashtagVocab& vocab);

  const LabelStats& stats() const { return stats_; }

 private:
  const HashtagNormalizer& normalizer_;
  const Canonicalizer& canonicalizer_;
  LabelStats stats_;
};

}  // namespace ptk::vision
