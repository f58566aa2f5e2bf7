// GLUE leaderboard submission files: `<name>.tsv` with the header `index\tprediction` and one
// line per test example, the prediction written as the task's original label string (STS-B:
// the score with 3 decimals). Files are written atomically: a crash leaves the old file or
// the complete new one, never a prefix.
#pragma once

#include <string>
#include <vector>

#include "text/glue/glue_task.h"

namespace ptk::text::glue {

struct GluePredictions {
  std::vector<std::string> indices;  // the test file's index column (GlueExample::index), in order
  std::vector<int> labels;           // class ids, for classification tasks
  std::vector<double> scores;        // for STS-B
};

// The file's bytes. Throws ptk::Error when the prediction count does not match the indices,
// a class id is out of range, a score is not finite, an index holds a tab or newline, or the
// task needs the other kind of prediction.
std::string format_glue_submission(GlueTask task, const GluePredictions& predictions);

// The submission file name of a task's test split ("MNLI-mm.tsv" for MNLI test_mismatched);
// a ptk::usage_error when the split is not one the leaderboard takes.
std::string glue_submission_file_name(GlueTask task, const std::string& split);

// Writes `<out_dir>/<submission file name>` atomically and returns its path.
std::string write_glue_submission(const std::string& out_dir, GlueTask task,
                                  const std::string& split, const GluePredictions& predictions);

}  // namespace ptk::text::glue
