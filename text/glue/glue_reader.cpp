#include "text/glue/glue_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "common/base/error.h"
#include "common/base/split.h"

namespace ptk::text::glue {
namespace {

// Windows line ends and the byte-order mark some GLUE files (MRPC) start with are not data.
void strip_line(std::string& line, bool first_line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (first_line && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
}

std::string find_file(const GlueTaskSpec& spec, const GlueSplitLayout& layout,
                      const std::string& glue_dir) {
  std::string tried;
  for (const auto& file : layout.files) {
    const std::string path = glue_dir + "/" + file;
    if (std::filesystem::is_regular_file(path)) return path;
    tried += (tried.empty() ? "" : ", ") + path;
  }
  throw error(
      "GLUE {} {} file not found: {} (expected the standard GLUE folder: <glue_dir>/{}/...)",
      spec.name, layout.split, tried, spec.name);
}

// Column numbers of the columns a layout reads, in the order of expected_names.
std::vector<int> named_columns(const GlueSplitLayout& layout, int num_columns) {
  std::vector<int> columns;
  if (layout.index_column != kNoColumn) columns.push_back(layout.index_column);
  columns.push_back(layout.text_a_column);
  if (layout.text_b_column != kNoColumn) columns.push_back(layout.text_b_column);
  if (layout.label_column == kLastColumn) columns.push_back(num_columns - 1);
  if (layout.label_column >= 0) columns.push_back(layout.label_column);
  return columns;
}

void check_header(const GlueTaskSpec& spec, const GlueSplitLayout& layout, const std::string& path,
                  const std::vector<std::string>& header) {
  const std::string what = "is this the GLUE " + spec.name + " " + layout.split + " file?";
  if (static_cast<int>(header.size()) < layout.min_columns) {
    throw error("{}:1: header has {} columns, expected at least {} ({})", path, header.size(),
                layout.min_columns, what);
  }
  const auto columns = named_columns(layout, static_cast<int>(header.size()));
  for (size_t i = 0; i < layout.expected_names.size() && i < columns.size(); ++i) {
    const std::string& name = header[columns[i]];
    if (name != layout.expected_names[i]) {
      throw error("{}:1: header column {} is '{}', expected '{}' ({})", path, columns[i], name,
                  layout.expected_names[i], what);
    }
  }
}

std::optional<double> parse_score(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Fills `example` from a row, or returns what is wrong with it.
std::optional<std::string> parse_row(const GlueTaskSpec& spec, const GlueSplitLayout& layout,
                                     const std::vector<std::string>& columns, int expected_columns,
                                     GlueExample& example) {
  if (static_cast<int>(columns.size()) != expected_columns) {
    return fmt::format("{} columns, expected {}", columns.size(), expected_columns);
  }
  if (layout.index_column != kNoColumn) example.index = columns[layout.index_column];
  example.text_a = columns[layout.text_a_column];
  if (layout.text_b_column != kNoColumn) example.text_b = columns[layout.text_b_column];
  if (layout.label_column == kNoColumn) return std::nullopt;

  const int label_column =
      layout.label_column == kLastColumn ? expected_columns - 1 : layout.label_column;
  example.label_text = columns[label_column];
  if (spec.regression) {
    const auto score = parse_score(example.label_text);
    if (!score) return "score '" + example.label_text + "' is not a number";
    example.target = *score;
    return std::nullopt;
  }
  for (size_t id = 0; id < spec.labels.size(); ++id) {
    if (spec.labels[id] == example.label_text) {
      example.label = static_cast<int>(id);
      return std::nullopt;
    }
  }
  std::string known;
  for (const auto& label : spec.labels) known += (known.empty() ? "" : ", ") + label;
  return "unknown label '" + example.label_text + "' (expected one of " + known + ")";
}

}  // namespace

std::string GlueSplit::report() const {
  std::string text =
      fmt::format("GLUE {} {}: read {} examples from {} ({} rows, {} malformed rows skipped)",
                  glue_task_spec(task).name, split, examples.size(), path, rows_read, rows_skipped);
  if (problems.empty()) return text + ".";
  text += ":";
  for (const auto& problem : problems) text += "\n  " + problem;
  if (rows_skipped > static_cast<int64_t>(problems.size())) {
    text += fmt::format("\n  ... and {} more", rows_skipped - problems.size());
  }
  return text;
}

GlueSplit read_glue_split(GlueTask task, const std::string& glue_dir, const std::string& split) {
  const GlueTaskSpec& spec = glue_task_spec(task);
  const GlueSplitLayout* layout = spec.find_split(split);
  if (layout == nullptr) {
    throw usage_error("GLUE {} has no split '{}' (it has {})", spec.name, split,
                      spec.split_names());
  }
  GlueSplit result;
  result.task = task;
  result.split = split;
  result.path = find_file(spec, *layout, glue_dir);
  result.labelled = layout->label_column != kNoColumn;

  std::ifstream in(result.path, std::ios::binary);
  fail_if(!in, "cannot open GLUE file '{}'", result.path);
  std::string line;
  int64_t line_number = 0;
  int expected_columns = layout->min_columns;
  if (layout->has_header) {
    fail_if(!std::getline(in, line), "{}: empty file, expected a header", result.path);
    line_number = 1;
    strip_line(line, true);
    const auto header = split_copies(line, '\t');
    check_header(spec, *layout, result.path, header);
    expected_columns = static_cast<int>(header.size());
  }
  while (std::getline(in, line)) {
    strip_line(line, ++line_number == 1);
    GlueExample example;
    example.index = std::to_string(result.rows_read);
    example.line = line_number;
    ++result.rows_read;
    const auto problem =
        parse_row(spec, *layout, split_copies(line, '\t'), expected_columns, example);
    if (problem) {
      ++result.rows_skipped;
      if (result.problems.size() < kMaxReportedProblems) {
        result.problems.push_back(fmt::format("{}:{}: {}", result.path, line_number, *problem));
      }
      continue;
    }
    result.examples.push_back(std::move(example));
  }
  fail_if(in.bad(), "error reading GLUE file '{}'", result.path);
  return result;
}

}  // namespace ptk::text::glue
