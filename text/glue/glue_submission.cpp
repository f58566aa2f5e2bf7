#include "text/glue/glue_submission.h"

#include <cmath>
#include <cstdio>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::text::glue {
namespace {

void check_count(const GlueTaskSpec& spec, size_t indices, size_t predictions) {
  if (indices != predictions) {
    throw error("GLUE {} submission: {} predictions for {} test examples", spec.name, predictions,
                indices);
  }
}

std::string format_score(const GlueTaskSpec& spec, const std::string& index, double score) {
  if (!std::isfinite(score)) {
    throw error("GLUE {} submission: prediction for index {} is not a finite number", spec.name,
                index);
  }
  char text[64];
  std::snprintf(text, sizeof(text), "%.3f", score);
  // A score rounding to zero from below would print "-0.000".
  return std::string(text) == "-0.000" ? "0.000" : text;
}

std::string format_label(const GlueTaskSpec& spec, const std::string& index, int label) {
  if (label < 0 || label >= static_cast<int>(spec.labels.size())) {
    throw error("GLUE {} submission: class id {} for index {} is not in [0, {})", spec.name, label,
                index, spec.labels.size());
  }
  return spec.labels[label];
}

}  // namespace

std::string format_glue_submission(GlueTask task, const GluePredictions& predictions) {
  const GlueTaskSpec& spec = glue_task_spec(task);
  const auto& indices = predictions.indices;
  if (spec.regression) {
    check_count(spec, indices.size(), predictions.scores.size());
    if (!predictions.labels.empty()) {
      throw error("GLUE {} submission takes scores, not class ids", spec.name);
    }
  } else {
    check_count(spec, indices.size(), predictions.labels.size());
    if (!predictions.scores.empty()) {
      throw error("GLUE {} submission takes class ids, not scores", spec.name);
    }
  }
  std::string text = "index\tprediction\n";
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i].find_first_of("\t\r\n") != std::string::npos) {
      throw error("GLUE {} submission: index '{}' holds a tab or line break", spec.name,
                  indices[i]);
    }
    text += indices[i] + '\t';
    text += spec.regression ? format_score(spec, indices[i], predictions.scores[i])
                            : format_label(spec, indices[i], predictions.labels[i]);
    text += '\n';
  }
  return text;
}

std::string glue_submission_file_name(GlueTask task, const std::string& split) {
  const GlueTaskSpec& spec = glue_task_spec(task);
  std::string known;
  for (const auto& file : spec.submissions) {
    if (file.split == split) return file.file_name;
    known += (known.empty() ? "" : ", ") + file.split;
  }
  throw usage_error("GLUE {} has no leaderboard submission for split '{}' (only {})", spec.name,
                    split, known);
}

std::string write_glue_submission(const std::string& out_dir, GlueTask task,
                                  const std::string& split, const GluePredictions& predictions) {
  const std::string path = out_dir + "/" + glue_submission_file_name(task, split);
  io::write_file_atomic(path, format_glue_submission(task, predictions));
  return path;
}

}  // namespace ptk::text::glue
