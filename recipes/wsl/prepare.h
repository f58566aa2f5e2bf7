// `ptk-wsl prepare`: hashtag manifest -> vocabulary -> image shards, on any number of ranks
// (torchrun, Slurm, MPI) and threads. The manifests are cut into parts (byte ranges at line
// starts) dealt to the ranks. Pass 1 counts canonical hashtag classes (ICU normalisation +
// WordNet synsets) per part; rank 0 merges the counts and keeps the K most frequent; pass 2
// labels every image with that vocabulary, drops images with no class, checks that every image
// decodes (bad ones are listed in bad_images.tsv and skipped), resizes and re-encodes it when
// asked, and writes each part's shards; rank 0 then lists all parts' shards, in part order, in
// the train (and validation) manifest.yaml with vocab.tsv. The output is a pure function of the
// inputs and the config, whatever the ranks and threads. Work lives in <out>.partial until the
// end: every finished part is kept, so a killed job run again (or restarted by torchrun)
// resumes and ends byte-identical to an uninterrupted one. Memory does not grow with the
// number of images.
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
  uint64_t recoded_images = 0;  // stored as a new JPEG (resized or converted)
  uint64_t bytes_read = 0;      // image bytes read (kept images)
  uint64_t bytes_stored = 0;    // image bytes written to the shards
  int resize_shorter = 0;
  uint64_t parts = 0;
  int ranks = 1;
  int threads = 1;
  int rank = 0;  // another rank's summary only says where rank 0 put the output
  std::string out;
  std::string train_dir, val_dir, bad_report;
  double seconds = 0;
  // The one-paragraph summary printed at the end.
  std::string text() const;
};

// Runs prepare from a config resolved against prepare_schema(), as one rank of the launcher's
// job. Usage errors name the key; unreadable manifests, WordNet or output directories are
// Errors naming the file (and the part); a rank that fails stops every rank.
PrepareSummary run_prepare(const config::Config& config);

}  // namespace ptk::recipes
