#include "recipes/eval/glue_eval.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/blas_threads.h"
#include "common/base/error.h"
#include "common/config/stored_config.h"
#include "common/dist/process_group.h"
#include "common/io/atomic_file.h"
#include "common/train/checkpoint.h"
#include "common/train/weight_import.h"
#include "recipes/eval/eval_ranks.h"
#include "text/glue/glue_finetune.h"
#include "text/models/bert_source.h"
#include "text/models/hf_bert_keys.h"

namespace ptk::recipes {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using text::glue::GlueEvalOptions;
using text::glue::GlueMetricValues;

const at::Tensor& word_embeddings(const io::StateDict& state, const std::string& origin) {
  const at::Tensor* tensor = io::find_tensor(state, "bert.embeddings.word_embeddings.weight");
  if (tensor == nullptr || tensor->dim() != 2) {
    throw error("{}: no bert.embeddings.word_embeddings.weight (is it a BERT?)", origin);
  }
  return *tensor;
}

// The HF folder's tokenizer (hf_folder_tokenizer), which must be there unless eval.tokenizer
// names one.
std::string hf_tokenizer(const std::string& folder) {
  const std::string tokenizer = text::hf_folder_tokenizer(folder);
  if (tokenizer.empty()) {
    throw usage_error("{} holds no vocab.txt or SentencePiece .model; give eval.tokenizer", folder);
  }
  return tokenizer;
}

text::glue::GlueBackbone load_backbone(const GlueEvalOptions& options) {
  text::glue::GlueBackbone backbone;
  if (!options.checkpoint.empty()) {
    const config::StoredCheckpoint checkpoint = config::open_stored_checkpoint(options.checkpoint);
    if (checkpoint.recipe != config::RecipeKind::kBert) {
      throw usage_error(
          "eval.checkpoint: {} is a wsl checkpoint; ptk-eval glue needs a ptk-bert one",
          checkpoint.step_dir);
    }
    const text::BertSource source = text::stored_bert_source(checkpoint.config, options.tokenizer);
    backbone.config = source.config;
    backbone.weights = train::read_checkpoint_model(checkpoint.step_dir);
    backbone.tokenizer = text::require_tokenizer(source, checkpoint.step_dir);
    backbone.description = fmt::format("{} (step {})", checkpoint.step_dir, checkpoint.step);
  } else {
    if (!fs::is_directory(options.init_from) ||
        !fs::exists(fs::path(options.init_from) / "config.json")) {
      throw usage_error("init.from: '{}' is not an HF BERT folder with config.json",
                        options.init_from);
    }
    backbone.config = text::load_hf_config((fs::path(options.init_from) / "config.json").string());
    backbone.weights = text::from_hf_bert_keys(train::read_weight_file(options.init_from));
    backbone.tokenizer =
        options.tokenizer.empty() ? hf_tokenizer(options.init_from) : options.tokenizer;
    backbone.description = options.init_from;
  }
  backbone.config.vocab_size = word_embeddings(backbone.weights, backbone.description).size(0);
  if (options.random_init) {
    backbone.weights.clear();
    backbone.description = "random init (architecture of " + backbone.description + ")";
  }
  return backbone;
}

std::string percent(double value) {
  if (std::isnan(value)) return "n/a";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * value;
  return out.str();
}

std::string metrics_text(const GlueMetricValues& metrics) {
  std::string text;
  for (const auto& [metric, value] : metrics) {
    text +=
        (text.empty() ? "" : ", ") + text::glue::glue_metric_name(metric) + " " + percent(value);
  }
  return text;
}

ordered_json metrics_json(const GlueMetricValues& metrics) {
  ordered_json json = ordered_json::object();
  for (const auto& [metric, value] : metrics) {
    json[text::glue::glue_metric_name(metric)] =
        std::isnan(value) ? ordered_json() : ordered_json(value);
  }
  return json;
}

// The GLUE average of the tasks present, or a note why there is none.
ordered_json score_json(const std::map<std::string, GlueMetricValues>& best,
                        text::glue::GlueAverage convention, std::string* line) {
  try {
    const text::glue::GlueScore score = text::glue::glue_score(best, convention);
    *line = fmt::format("{} over {} tasks", percent(score.average), score.averaged);
    return {{"average", std::isnan(score.average) ? ordered_json() : ordered_json(score.average)},
            {"tasks", score.averaged}};
  } catch (const Error& e) {
    *line = std::string("n/a (") + e.what() + ")";
    return {{"average", nullptr}, {"note", e.what()}};
  }
}

text::glue::GlueFinetuneOptions finetune_options(const GlueEvalOptions& options,
                                                 const dist::JobRanks& ranks) {
  text::glue::GlueFinetuneOptions finetune;
  finetune.glue_dir = options.glue_dir;
  for (const std::string& task : options.tasks) {
    finetune.tasks.push_back(text::glue::parse_glue_task(task));
  }
  finetune.lrs = options.lrs;
  finetune.batch = options.batch;
  finetune.epochs = options.epochs;
  finetune.warmup_fraction = options.warmup_fraction;
  finetune.weight_decay = options.weight_decay;
  finetune.max_length = options.max_length;
  finetune.max_train_examples = options.max_train_examples;
  finetune.seed = options.seed;
  finetune.device = ranks.device_for_rank(options.device);
  fs::create_directories(options.out);
  if (options.submission) {
    finetune.submission_dir = (fs::path(options.out) / "submission").string();
    fs::create_directories(finetune.submission_dir);
  }
  return finetune;
}

// One task's sweep as results.json's entry, and its rows of results.md's table.
ordered_json task_report(const text::glue::GlueTaskResult& task, std::ostream& md) {
  const std::string name = text::glue::glue_task_spec(task.task).name;
  ordered_json task_json = {{"task", name},
                            {"train_examples", task.train_examples},
                            {"best_lr", task.sweep[task.best].lr},
                            {"sweep", ordered_json::array()},
                            {"reports", task.reports},
                            {"submission", task.submission_files}};
  for (size_t i = 0; i < task.sweep.size(); ++i) {
    ordered_json dev = ordered_json::object();
    std::string text;
    for (const auto& [entry, metrics] : task.sweep[i].dev) {
      dev[entry] = metrics_json(metrics);
      text += (text.empty() ? "" : "; ") +
              (task.sweep[i].dev.size() > 1 ? entry + ": " : std::string()) + metrics_text(metrics);
    }
    task_json["sweep"].push_back({{"lr", task.sweep[i].lr}, {"dev", dev}});
    md << "| " << name << " | " << task.sweep[i].lr << " | " << text << " | "
       << (i == task.best ? "best" : "") << " |\n";
  }
  return task_json;
}

// Writes results.json and results.md; returns the leaderboard-convention average's line.
std::string write_results(const GlueEvalOptions& options, const std::string& backbone,
                          const text::glue::GlueRunResult& result) {
  ordered_json json = {{"backbone", backbone},
                       {"glue", options.glue_dir},
                       {"epochs", options.epochs},
                       {"batch", options.batch},
                       {"tasks", ordered_json::array()}};
  std::ostringstream md;
  md << "# ptk-eval glue\n\nBackbone: " << backbone << "  \nGLUE folder: " << options.glue_dir
     << "; " << options.epochs << " epochs, batch " << options.batch << ", warmup "
     << options.warmup_fraction << ", max length " << options.max_length
     << "\n\n| task | lr | dev | best |\n|---|---|---|---|\n";
  for (const text::glue::GlueTaskResult& task : result.tasks) {
    json["tasks"].push_back(task_report(task, md));
  }
  std::string leaderboard, paper;
  json["glue_score"] = {
      {"leaderboard",
       score_json(result.best_dev, text::glue::GlueAverage::kLeaderboard, &leaderboard)},
      {"bert_paper", score_json(result.best_dev, text::glue::GlueAverage::kBertPaper, &paper)}};
  json["submission"] = result.submission_files;
  md << "\nGLUE average (leaderboard convention): " << leaderboard
     << "  \nGLUE average (BERT paper convention): " << paper << "\n";
  io::write_file_atomic((fs::path(options.out) / "results.json").string(), json.dump(2) + "\n");
  io::write_file_atomic((fs::path(options.out) / "results.md").string(), md.str());
  return leaderboard;
}

std::string summary_line(const GlueEvalOptions& options, const std::string& backbone,
                         const text::glue::GlueRunResult& result, const std::string& average) {
  std::ostringstream summary;
  summary << "ptk-eval glue: " << backbone << " on " << result.tasks.size() << " task(s) of "
          << options.glue_dir << ":";
  for (const text::glue::GlueTaskResult& task : result.tasks) {
    summary << " " << text::glue::glue_task_spec(task.task).name << " " << task.train_examples
            << " train, best lr " << task.sweep[task.best].lr << " (";
    std::string text;
    for (const auto& [entry, metrics] : task.sweep[task.best].dev) {
      text += (text.empty() ? "" : "; ") + metrics_text(metrics);
    }
    summary << text << ");";
  }
  summary << " GLUE average " << average << "; " << result.submission_files.size()
          << " submission file(s); results in " << options.out << "/results.{json,md}";
  return summary.str();
}

}  // namespace

config::Schema glue_schema() {
  config::Schema schema = text::glue::glue_eval_schema();
  schema.merge(eval_ranks_schema());
  return schema;
}

std::string run_glue_eval(const GlueEvalOptions& options, const dist::JobRanks& ranks) {
  at::set_num_threads(static_cast<int>(options.threads));
  set_blas_threads(static_cast<int>(options.threads));
  const text::glue::GlueBackbone backbone = load_backbone(options);
  const text::glue::GlueRunResult result =
      text::glue::run_glue_finetune(backbone, finetune_options(options, ranks), *ranks.group());
  if (ranks.rank() != 0) return "";
  const std::string average = write_results(options, backbone.description, result);
  return summary_line(options, backbone.description, result, average);
}

}  // namespace ptk::recipes
