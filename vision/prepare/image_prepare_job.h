// The image-shard preparation as a job of ranks: the pipeline of `ptk-wsl prepare`, for every
// tool that turns hashtag manifests into image shards. The manifests are cut into parts (byte
// ranges at line starts) dealt to the ranks. Pass 1 counts canonical hashtag classes (ICU
// normalisation + WordNet synsets) per part; rank 0 merges the counts and keeps the K most
// frequent; pass 2 labels every image with that vocabulary, drops images with no class, checks
// that every image decodes (bad ones are listed in bad_images.tsv and skipped), resizes and
// re-encodes it when asked, and writes each part's shards; rank 0 then lists all parts' shards,
// in part order, in the train (and validation) manifest.yaml with vocab.tsv. The output is a
// pure function of the job, whatever the ranks and threads. Work lives in <out>.partial until
// the end: every finished part is kept, so a killed job run again (or restarted by torchrun)
// resumes and ends byte-identical to an uninterrupted one. Memory does not grow with the
// number of images. Torch-free; the ranks meet only through dist::JobRanks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/data/input_parts.h"
#include "vision/hashtags/manifest_reader.h"
#include "vision/transforms/image_recoder.h"

namespace ptk::dist {
class JobRanks;
}  // namespace ptk::dist

namespace ptk::vision {

// Everything a preparation needs, checked by the caller before it starts (ptk-wsl prepare reads
// it from the prepare.* keys).
struct ImagePrepareJob {
  std::string manifest, val_manifest, out;
  ManifestFormat format = ManifestFormat::kJsonl;
  ManifestFormat val_format = ManifestFormat::kJsonl;
  double val_fraction = 0;
  int64_t shard_bytes = 0;
  int64_t vocab_size = 0;
  std::string image_root;
  RecodeOptions recode;
  int threads = 1;
  std::vector<data::InputPart> plan;  // training manifest parts, then validation ones
  bool has_val() const { return !val_manifest.empty() || val_fraction > 0.0; }
  bool is_val(const data::InputPart& part) const {
    return !val_manifest.empty() && part.file == val_manifest;
  }
};

struct ImagePrepareSummary {
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

// Runs `job` as one of `ranks` (every rank calls it with the same job). `wordnet_dir` holds
// WordNet 3.0; `fingerprint` is what the output depends on, which a resumed job must match;
// `started` is when the run began, for the summary's time. Unreadable manifests, WordNet or
// output directories are Errors naming the file (and the part); a rank that fails stops every
// rank.
ImagePrepareSummary run_image_prepare_job(const ImagePrepareJob& job,
                                          const std::string& wordnet_dir,
                                          const std::string& fingerprint,
                                          const dist::JobRanks& ranks,
                                          std::chrono::steady_clock::time_point started);

}  // namespace ptk::vision
