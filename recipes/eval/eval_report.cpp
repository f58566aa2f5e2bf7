#include "recipes/eval/eval_report.h"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/error.h"
#include "common/io/atomic_file.h"

namespace ptk::recipes {

namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", 100.0 * fraction);
  return text;
}

std::string backbone_text(const EvalReport& r) {
  if (r.init == "pixels") return "pixels (identity backbone)";
  if (r.init == "random") return r.arch + " at random init";
  return r.arch + " from " + r.weights_file;
}

}  // namespace

std::string results_table(const EvalReport& report) {
  std::string table = "| protocol | top-1 (%) | top-5 (%) | details |\n|---|---|---|---|\n";
  for (const ProtocolResult& r : report.results) {
    std::string details;
    for (const auto& [key, value] : r.details) {
      details += (details.empty() ? "" : ", ") + key + " " + value;
    }
    table += "| " + r.protocol + " | " + percent(r.top1) + " | " + percent(r.top5) + " | " +
             details + " |\n";
  }
  return table;
}

void write_report(const std::string& dir, const EvalReport& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw error("eval.out: cannot create '{}': {}", dir, ec.message());

  nlohmann::json json = {{"task", report.task},
                         {"data", report.data},
                         {"layout", report.layout},
                         {"backbone",
                          {{"init", report.init},
                           {"arch", report.arch},
                           {"weights_file", report.weights_file},
                           {"feature_dim", report.feature_dim}}},
                         {"classes", report.classes},
                         {"train_images", report.train_images},
                         {"val_images", report.val_images},
                         {"seconds", report.seconds}};
  json["feature_cache"] = nlohmann::json::object();
  for (const auto& [split, state] : report.feature_cache) json["feature_cache"][split] = state;
  json["results"] = nlohmann::json::array();
  for (const ProtocolResult& r : report.results) {
    nlohmann::json entry = {
        {"protocol", r.protocol}, {"top1", r.top1}, {"top5", r.top5}, {"seconds", r.seconds}};
    entry["details"] = nlohmann::json::object();
    for (const auto& [key, value] : r.details) entry["details"][key] = value;
    json["results"].push_back(entry);
  }
  io::write_file_atomic(dir + "/results.json", json.dump(2) + "\n");

  std::string md = "# ImageNet evaluation\n\n";
  md += fmt::format("- data: `{}` ({}), {} classes, {} train / {} val images\n", report.data,
                    report.layout, report.classes, report.train_images, report.val_images);
  md += fmt::format("- backbone: {}, {}-d features\n\n", backbone_text(report), report.feature_dim);
  md += results_table(report);
  io::write_file_atomic(dir + "/results.md", md);
}

std::string summary_paragraph(const std::string& dir, const EvalReport& report) {
  std::string text = fmt::format(
      "ptk-eval imagenet: read {} train and {} val images of {} classes from {} ({}); backbone {} "
      "({}-d features",
      report.train_images, report.val_images, report.classes, report.data, report.layout,
      backbone_text(report), report.feature_dim);
  for (const auto& [split, state] : report.feature_cache)
    text += "; " + split + " features " + state;
  text += ").";
  for (const ProtocolResult& r : report.results) {
    text += " " + r.protocol + ": top-1 " + percent(r.top1) + "%, top-5 " + percent(r.top5) + "%";
    for (const auto& [key, value] : r.details) text += ", " + key + " " + value;
    text += ".";
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", report.seconds);
  text += " Took " + std::string(seconds) + " s; results in " + dir + "/results.json and " + dir +
          "/results.md.";
  return text;
}

}  // namespace ptk::recipes
