// Reads one split of a GLUE task from the standard GLUE folder. The files are tab-separated
// with no quoting (a quote is an ordinary character). A missing file is a ptk::Error; a row
// with the wrong number of columns, an unknown label or an unparsable score is skipped,
// counted and (the first few) described in the split's report, as QQP needs.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "text/glue/glue_task.h"

namespace ptk::text::glue {

struct GlueExample {
  std::string index;  // the file's index/id column, else the 0-based data row number
  std::string text_a;
  std::string text_b;      // empty for single-sentence tasks
  std::string label_text;  // as written in the file; empty in unlabelled (test) files
  int label = -1;          // class id: position of label_text in the task's labels; -1 if none
  double target = std::numeric_limits<double>::quiet_NaN();  // STS-B's similarity score
  int64_t line = 0;  // 1-based line in the file, for messages
};

struct GlueSplit {
  GlueTask task = GlueTask::kCoLA;
  std::string split;
  std::string path;       // the file read
  bool labelled = false;  // whether the split has labels (train/dev) or not (test)
  std::vector<GlueExample> examples;
  int64_t rows_read = 0;              // data rows, the header excluded
  int64_t rows_skipped = 0;           // malformed rows, not in examples
  std::vector<std::string> problems;  // the first kMaxReportedProblems, "path:line: what"

  // One paragraph: what was read from where, how many rows were skipped and why.
  std::string report() const;
};

constexpr int kMaxReportedProblems = 5;

// Reads `<glue_dir>/<task folder>/<split file>`. An unknown split is a ptk::usage_error naming
// the task's splits; a missing file or a header that does not match the task's layout is a
// ptk::Error naming the path.
GlueSplit read_glue_split(GlueTask task, const std::string& glue_dir, const std::string& split);

}  // namespace ptk::text::glue
