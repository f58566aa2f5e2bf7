// libFuzzer target for the GLUE TSV reader: the input becomes one split's file (task and split
// chosen by the first two bytes) in a scratch GLUE folder and is read back. Malformed files
// must be a ptk::Error, malformed rows skipped and counted; kept examples must be well formed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/error.h"
#include "tests/fuzz/fuzz_support.h"
#include "text/glue/glue_reader.h"
#include "text/glue/glue_task.h"

using ptk::fuzz::expect;
namespace glue = ptk::text::glue;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& tasks = glue::glue_tasks();
  const glue::GlueTaskSpec& spec = tasks[data[0] % tasks.size()];
  const glue::GlueSplitLayout& layout = spec.splits[data[1] % spec.splits.size()];
  const std::string glue_dir = (ptk::fuzz::scratch_dir() / "glue").string();
  ptk::fuzz::write_file(glue_dir + "/" + layout.files.front(),
                        std::string_view(reinterpret_cast<const char*>(data + 2), size - 2));

  glue::GlueSplit split;
  try {
    split = glue::read_glue_split(spec.task, glue_dir, layout.split);
  } catch (const ptk::Error&) {
    return 0;
  }
  expect(split.rows_read == static_cast<int64_t>(split.examples.size()) + split.rows_skipped,
         "rows read != examples kept + rows skipped");
  expect(split.problems.size() <= static_cast<size_t>(glue::kMaxReportedProblems),
         "more problems reported than the limit");
  expect(split.problems.size() ==
             static_cast<size_t>(std::min<int64_t>(split.rows_skipped, glue::kMaxReportedProblems)),
         "a skipped row is not described");
  for (const glue::GlueExample& example : split.examples) {
    expect(example.line >= 1, "an example without a line number");
    if (!split.labelled) {
      expect(example.label == -1 && example.label_text.empty(), "a test row carries a label");
    } else if (spec.regression) {
      expect(std::isfinite(example.target), "a regression example with a non-finite target");
    } else {
      expect(example.label >= 0 && example.label < static_cast<int>(spec.labels.size()) &&
                 spec.labels[example.label] == example.label_text,
             "a class label outside the task's labels");
    }
  }
  expect(!split.report().empty(), "an empty report");
  return 0;
}
