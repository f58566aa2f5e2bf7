// What one part of the image-shard preparation (`ptk-wsl prepare`) read, kept, dropped and
// wrote: the counts of the summary, the unreadable images and malformed lines with their
// part-relative line numbers, and the part's shards. Saved as the part's done marker (YAML) so
// that a resumed job, and rank 0 when it assembles the output, know each finished part without
// redoing it; the totals of the job are the sums over parts, which makes them independent of
// ranks and threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/data/manifest.h"

namespace ptk::vision {

struct BadImage {
  uint64_t line = 0;  // in the part
  std::string image;
  std::string problem;
};

struct PartReport {
  uint64_t lines = 0;  // every line that starts in the part, blank ones included
  uint64_t records = 0;
  uint64_t malformed = 0;
  uint64_t videos = 0;
  uint64_t no_class = 0;
  uint64_t train_images = 0;
  uint64_t val_images = 0;
  uint64_t recoded = 0;  // stored as a new JPEG (resized or converted) rather than as read
  uint64_t bytes_read = 0;
  uint64_t bytes_stored = 0;
  uint64_t labels = 0;
  uint64_t hashtags = 0;
  uint64_t hashtags_invalid_utf8 = 0;
  uint64_t hashtags_empty = 0;
  uint64_t hashtags_not_in_wordnet = 0;
  uint64_t hashtags_out_of_vocab = 0;
  std::vector<BadImage> bad_images;
  std::vector<std::string> malformed_examples;
  std::vector<std::string> invalid_utf8_examples;
  data::Manifest train, val;  // this part's shards

  std::string to_yaml() const;
  // `name` (the marker) in errors.
  static PartReport parse(const std::string& yaml, const std::string& name);
  // Adds the counts and the examples (the first few), not the shards or the bad images.
  void add_counts(const PartReport& other);
};

}  // namespace ptk::vision
