// Evaluation-set de-duplication (`ptk-wsl dedup`): finds the training records of an image shard
// set that are near-duplicates of evaluation images, as Mahajan et al. removed copies of the
// ImageNet, CUB and Places validation images from their pretraining set before reporting
// transfer accuracy.
//
// Every evaluation image (folders, listed recursively and sorted) and every training record is
// embedded (image_embedder.h: the thumbnail descriptor or a backbone's features); each training
// record's nearest evaluation image is searched with FAISS (nearest_images.h) for the record and
// for its mirror image, and a record whose best similarity reaches the threshold is a duplicate.
// Unreadable images are listed and skipped.
//
// On several ranks (torchrun, Slurm, MPI), rank r embeds the evaluation images i with
// i % world == r and searches the shards s with s % world == r; the ranks exchange vectors and
// findings through `<out>.ranks` (dedup_partials.h) and rank 0 writes the outputs, which are
// byte for byte those of one rank. Memory holds the evaluation vectors, one batch of records and
// the duplicates found. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::dist {
class JobRanks;
}

namespace ptk::vision {

class ImageEmbedder;

// The similarity from which a training record is a duplicate, by default: copies, re-encodings
// and resizes of a picture score >= 0.997, distinct photographs <= 0.84 (tests/vision/dedup).
inline constexpr double kDefaultDedupThreshold = 0.97;

struct DedupOptions {
  std::string shards;             // the training image shard set (its manifest.yaml folder)
  std::vector<std::string> eval;  // folders of evaluation images, searched recursively
  std::string out;                // output folder, replaced atomically when the job is done
  double threshold = kDefaultDedupThreshold;  // similarity from which a record is a duplicate
  int threads = 1;                            // threads reading evaluation image files
  int64_t batch = 1024;                       // images embedded and searched together
  int64_t approximate_above = 500000;  // more evaluation images: an IVF index, not exact search
};

// Nearest-neighbour similarities of the training records, counted in bins, for choosing the
// threshold: bin i holds similarities in [edges[i], edges[i + 1]).
struct SimilarityHistogram {
  std::vector<double> edges;
  std::vector<int64_t> counts;
  void add(double similarity);
};

struct DedupSummary {
  int64_t eval_images = 0;
  int64_t eval_unreadable = 0;
  int64_t records = 0;
  int64_t records_unreadable = 0;
  int64_t duplicates = 0;             // training records at or above the threshold
  int64_t flipped_duplicates = 0;     // of those, found through the mirror image
  int64_t eval_images_with_copy = 0;  // evaluation images that some duplicate is nearest to
  double threshold = 0;
  bool exact_search = true;
  std::string embedding;  // ImageEmbedder::description()
  int rank = 0;           // of the process that returns this summary: only rank 0's is whole
  SimilarityHistogram histogram;
  std::string out;

  std::string text() const;
};

// Runs the job on every rank; rank 0 writes <out>/duplicates.tsv, exclusions.txt, unreadable.tsv
// and summary.txt. Errors (ptk::Error) name the shard set, the folder or the file.
DedupSummary run_dedup(const DedupOptions& options, const ImageEmbedder& embedder,
                       const dist::JobRanks& ranks);

}  // namespace ptk::vision
