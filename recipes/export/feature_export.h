// `ptk-export features`: embeddings of a checkpoint's model for new data, into one HDF5 file
// (feature_file.h). wsl: every JPEG/PNG of a folder (sorted by name, not recursive) through
// the eval transform (resize shorter side, centre crop, ImageNet normalisation) to the pooled
// features before the head; ids are the file names. bert: every line of a text file as
// [CLS] tokens [SEP] (cut to features.max_length) to the mean of the last hidden states over the
// line's tokens (features.pooling=mean) or the pooler output (pooled); ids are 1-based line
// numbers. Images are decoded on features.threads threads; rows are in input order.
#pragma once

#include <string>

#include "recipes/export/export_options.h"

namespace ptk::recipes {

// Returns the one-paragraph summary. Errors name the input file or key.
std::string run_feature_export(const ExportOptions& options, const FeatureOptions& features);

}  // namespace ptk::recipes
