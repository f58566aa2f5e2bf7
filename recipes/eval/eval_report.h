// What an evaluation run reports: results.json (machine-readable, one object per protocol) and
// results.md (a table: protocol, top-1, top-5, details) in the output directory, and the
// one-paragraph summary printed at the end. Torch-free; files are written atomically.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ptk::recipes {

struct ProtocolResult {
  std::string protocol;  // linear | knn | finetune
  double top1 = 0;
  double top5 = 0;
  std::vector<std::pair<std::string, std::string>> details;  // e.g. {"weight_decay", "0.001"}
  double seconds = 0;
};

struct EvalReport {
  std::string task = "imagenet";
  std::string data;          // eval.data
  std::string layout;        // "class folders" | "devkit val"
  std::string init;          // checkpoint | random | pixels
  std::string arch;          // "" for pixels
  std::string weights_file;  // "" unless a checkpoint
  int64_t classes = 0;
  int64_t train_images = 0;
  int64_t val_images = 0;
  int64_t feature_dim = 0;
  std::vector<std::pair<std::string, std::string>> feature_cache;  // split -> "reused: path"
  std::vector<ProtocolResult> results;
  double seconds = 0;
};

// Writes <dir>/results.json and <dir>/results.md (creating `dir`). ptk::Error naming the file.
void write_report(const std::string& dir, const EvalReport& report);

// The markdown table alone (protocol | top-1 | top-5 | details), percentages with 2 decimals.
std::string results_table(const EvalReport& report);

// One paragraph: what was read, which backbone, each protocol's numbers, where outputs are.
std::string summary_paragraph(const std::string& dir, const EvalReport& report);

}  // namespace ptk::recipes
