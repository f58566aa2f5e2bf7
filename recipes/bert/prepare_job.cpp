#include "recipes/bert/prepare_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/base/error.h"
#include "common/dist/launch_env.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

// What the option table cannot see: the files.
void check_files(const BertPrepareOptions& o) {
  for (const auto& input : o.inputs) {
    if (!fs::is_regular_file(input)) {
      throw usage_error("prepare.inputs: '{}' is not a readable file", input);
    }
  }
  if (!o.tokenizer.empty() && !fs::is_regular_file(o.tokenizer)) {
    throw usage_error("prepare.tokenizer: '{}' is not a file (.model or vocab.txt)", o.tokenizer);
  }
}

int64_t part_count(const BertPrepareOptions& o) {
  if (o.parts > 0) return o.parts;
  uint64_t bytes = 0;
  for (const auto& input : o.inputs) bytes += fs::file_size(input);
  const auto by_size = static_cast<int64_t>((bytes + kAutoPartBytes - 1) / kAutoPartBytes);
  return std::max<int64_t>({1, by_size, static_cast<int64_t>(o.inputs.size())});
}

// Every key but those that only say how to run (threads, timeout), and the size of every file
// read: a resumed job must match it.
std::string fingerprint(const BertPrepareJob& job) {
  std::map<std::string, config::Value> values;
  for (const auto& [key, value] : job.config.values()) {
    if (key != "prepare.threads" && key != "prepare.timeout_s") values[key] = value;
  }
  std::string text = config::Config(values).to_yaml();
  for (const auto& input : job.options.inputs) {
    text += fmt::format("# {}: {} bytes\n", input, fs::file_size(input));
  }
  const std::string& given = job.options.tokenizer;
  if (!given.empty()) text += fmt::format("# {}: {} bytes\n", given, fs::file_size(given));
  text += fmt::format("# parts: {}\n", job.plan.size());
  return text;
}

}  // namespace

std::string BertPrepareJob::partial() const {
  fs::path target(options.out);
  if (!target.has_filename()) target = target.parent_path();
  return target.string() + ".partial";
}

std::string BertPrepareJob::config_path() const {
  return (fs::path(partial()) / "prepare.yaml").string();
}

uint32_t BertPrepareJob::file_index(const std::string& file) const {
  const auto it = std::find(options.inputs.begin(), options.inputs.end(), file);
  if (it == options.inputs.end()) throw error("'{}' is not one of prepare.inputs", file);
  return static_cast<uint32_t>(it - options.inputs.begin());
}

BertPrepareJob read_bert_prepare_job(const config::Config& config) {
  BertPrepareJob job;
  job.config = config;
  job.options = read_bert_prepare_options(config);
  check_files(job.options);
  job.train_tokenizer = job.options.tokenizer.empty();
  job.tokenizer_file =
      job.train_tokenizer ? "tokenizer.model" : fs::path(job.options.tokenizer).filename().string();
  job.plan = data::plan_input_parts(job.options.inputs, part_count(job.options));
  job.fingerprint = fingerprint(job);
  return job;
}

int prepare_threads(const BertPrepareOptions& options, int local_world) {
  if (options.threads > 0) return static_cast<int>(options.threads);
  return dist::threads_per_local_rank(local_world);
}

std::string sample_marker(const data::InputPart& part) { return "sample-" + part.name(); }

std::string pack_marker(int64_t length, const data::InputPart& part) {
  return fmt::format("seq{}-{}", length, part.name());
}

}  // namespace ptk::recipes
