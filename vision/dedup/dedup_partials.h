// How the ranks of `ptk-wsl dedup` hand their work to each other: through a folder all of them
// see (`<dedup.out>.ranks`, on the shared file system the shards live on, as `ptk-wsl prepare`'s
// job folder is). Each rank writes the vectors of its slice of the evaluation images, and what
// it found in its slice of the shards: duplicates, unreadable records, counts. Floats travel in
// binary or with nine significant digits and keys escaped, so that what rank 0 merges is byte
// for byte what one rank finds alone. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vision/dedup/image_embedder.h"

namespace ptk::vision {

struct Unreadable {
  std::string source;  // "eval" or the shard file
  std::string name;    // the image path or the record key
  std::string error;
};

struct Duplicate {
  std::string key;
  size_t shard_position = 0;  // in the shard set's manifest
  std::string shard;          // the shard file
  uint64_t index = 0;         // of the record in its shard
  int64_t eval_image = 0;     // into the readable evaluation images
  float similarity = 0;
  bool flipped = false;  // found through the mirror image
};

// What one rank found in its shards.
struct RankFindings {
  int64_t records = 0;
  std::vector<int64_t> histogram;  // counts per bin of nearest-neighbour similarity
  std::vector<Duplicate> duplicates;
  std::vector<Unreadable> unreadable;
};

// The vectors (and per-image errors) of a rank's slice of the evaluation images.
void write_eval_slice(const std::string& dir, int rank, const Embeddings& slice);
// Reads what write_eval_slice wrote for `count` images of `dim` floats; a file of another size is
// a ptk::Error naming it.
Embeddings read_eval_slice(const std::string& dir, int rank, size_t count, int dim);

void write_findings(const std::string& dir, int rank, const RankFindings& findings);
RankFindings read_findings(const std::string& dir, int rank);

}  // namespace ptk::vision
