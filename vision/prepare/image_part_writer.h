// The second pass of the image-shard preparation (`ptk-wsl prepare`) over one part of a
// manifest: label each record with the vocabulary, read its image, validate it (and resize /
// re-encode it when asked) on `threads` threads, and write the kept images, in manifest order,
// to the part's own shards of the train (and validation) shard sets. The shards are a pure
// function of the part, the vocabulary and the options, whatever the thread count. HDF5 is
// used from the calling thread only.
#pragma once

#include <string>

#include "common/data/input_parts.h"
#include "common/data/shard_writer.h"
#include "vision/hashtags/hashtag_vocab.h"
#include "vision/hashtags/manifest_reader.h"
#include "vision/prepare/part_report.h"
#include "vision/transforms/image_recoder.h"

namespace ptk::vision {

class HashtagNormalizer;
class Canonicalizer;

struct ImagePartOptions {
  vision::ManifestFormat format = vision::ManifestFormat::kJsonl;
  std::string image_root;          // relative image paths start here
  bool all_val = false;            // a part of the validation manifest
  double val_fraction = 0;         // else: this share of keys (by hash) goes to validation
  data::ShardWriterOptions train;  // shard set options (dir, sizes, files); prefix is set here
  data::ShardWriterOptions val;    // dir empty: no validation set
  vision::RecodeOptions recode;
  int threads = 1;
};

// Writes the part's shards and returns its report (the done marker's content). Unreadable or
// undecodable images are skipped and listed in the report; I/O errors on the shards throw.
PartReport write_image_part(const data::InputPart& part, const ImagePartOptions& options,
                            const vision::HashtagVocab& vocab,
                            const vision::HashtagNormalizer& normalizer,
                            const vision::Canonicalizer& canonicalizer);

// Whether an image key goes to validation under `val_fraction` (a stable hash of the key, so
// the split does not depend on manifest order, parts or the standard library).
bool is_validation_key(const std::string& key, double val_fraction);

}  // namespace ptk::vision
