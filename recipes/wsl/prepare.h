// `ptk-wsl prepare`: hashtag manifest -> vocabulary -> image shards, on any number of ranks
// (torchrun, Slurm, MPI) and threads: the prepare.* keys, read into a vision::ImagePrepareJob
// and run by the image-shard pipeline (vision/prepare/image_prepare_job.h), which says what is
// written and how a killed job resumes.
#pragma once

#include "common/config/config.h"
#include "vision/prepare/image_prepare_job.h"

namespace ptk::recipes {

// prepare.* keys with defaults and help.
config::Schema prepare_schema();

// Runs prepare from a config resolved against prepare_schema(), as one rank of the launcher's
// job. Usage errors name the key; unreadable manifests, WordNet or output directories are
// Errors naming the file (and the part); a rank that fails stops every rank.
vision::ImagePrepareSummary run_prepare(const config::Config& config);

}  // namespace ptk::recipes
