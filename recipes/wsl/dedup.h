// `ptk-wsl dedup`: the dedup.* keys, read into vision::DedupOptions and an embedding (thumbnail
// or backbone), joined with the launcher's ranks and run by
// vision/dedup/dedup_job.h, which says what is searched and written.
#pragma once

#include "common/config/config.h"
#include "vision/dedup/dedup_job.h"

namespace ptk::recipes {

// dedup.* keys with defaults and help.
config::Schema dedup_schema();

// Runs the job from a config resolved against dedup_schema(); usage errors name the key.
vision::DedupSummary run_dedup(const config::Config& config);

}  // namespace ptk::recipes
