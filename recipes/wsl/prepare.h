// `ptk-wsl prepare`: hashtag manifest -> vocabulary -> image shards. Pass 1 counts canonical
// hashtag classes (ICU normalisation + WordNet synsets) and keeps the K most frequent; pass 2
// labels every image with that vocabulary, drops images with no class, checks that every image
// decodes (bad ones are listed in bad_images.tsv and skipped) and writes train (and validation)
// shard sets, each with vocab.tsv listed in its manifest.yaml. Deterministic for the same input.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/config.h"

namespace ptk::recipes {

// prepare.* keys with defaults and help.
config::Schema prepare_schema();

struct PrepareSummary {
  uint64_t manifest_records = 0;  // well-formed manifest lines (train and val manifests)
  uint64_t malformed_lines = 0;
  uint64_t no_class = 0;    // dropped: no hashtag left in the vocabulary
  uint64_t bad_images = 0;  // dropped: unreadable or undecodable image
  uint64_t train_images = 0;
  uint64_t val_images = 0;
  uint64_t labels = 0;    // class ids over kept images
  uint64_t hashtags = 0;  // raw hashtags of the labelled records
  uint64_t hashtags_in_vocab = 0;
  uint64_t candidate_classes = 0;  // distinct WordNet classes seen before the cut to K
  uint64_t vocab_size = 0;
  std::string train_dir, val_dir, bad_report;
  double seconds = 0;
  // The one-paragraph summary printed at the end.
  std::string text() const;
};

// Runs prepare from a config resolved against prepare_schema(). Usage errors name the key;
// unreadable manifests, WordNet or output directories are Errors naming the file.
PrepareSummary run_prepare(const config::Config& config);

}  // namespace ptk::recipes
