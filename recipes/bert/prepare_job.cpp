#include "recipes/bert/prepare_job.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/base/error.h"
#include "common/dist/launch_env.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

void check_keys(const BertPrepareJob& job) {
  const config::Config& c = job.config;
  if (job.inputs.empty()) throw usage_error("prepare.inputs is required (a list of text files)");
  if (job.out.empty()) throw usage_error("prepare.out is required");
  const std::string format = c.get_string("prepare.format");
  if (format != "sentence_per_line" && format != "raw") {
    throw usage_error("prepare.format must be 'sentence_per_line' or 'raw', got '" + format + "'");
  }
  const std::string packing = c.get_string("prepare.packing");
  if (packing != "classic" && packing != "contiguous") {
    throw usage_error("prepare.packing must be 'classic' or 'contiguous', got '" + packing + "'");
  }
  if (c.get_int("prepare.threads") < 0) throw usage_error("prepare.threads must be >= 0");
  if (c.get_int("prepare.parts") < 0) throw usage_error("prepare.parts must be >= 0");
  if (c.get_int("prepare.shard_bytes") < 1) throw usage_error("prepare.shard_bytes must be >= 1");
  if (c.get_int("prepare.timeout_s") < 1) throw usage_error("prepare.timeout_s must be >= 1");
  if (c.get_int("prepare.tokenizer_sample_sentences") < 1) {
    throw usage_error(
        "prepare.tokenizer_sample_sentences must be >= 1 (it bounds the memory of "
        "tokenizer training)");
  }
  if (c.get_int("prepare.tokenizer_threads") < 1) {
    throw usage_error("prepare.tokenizer_threads must be >= 1");
  }
  if (job.lengths.empty()) {
    throw usage_error("prepare.lengths is empty (ptk-bert prepare fills it in from the phases)");
  }
  for (const int64_t length : job.lengths) {
    if (length < 8) throw usage_error("prepare.lengths: " + std::to_string(length) + " is < 8");
  }
  for (const auto& input : job.inputs) {
    if (!fs::is_regular_file(input)) {
      throw usage_error("prepare.inputs: '" + input + "' is not a readable file");
    }
  }
  const std::string given = c.get_string("prepare.tokenizer");
  if (!given.empty() && !fs::is_regular_file(given)) {
    throw usage_error("prepare.tokenizer: '" + given + "' is not a file (.model or vocab.txt)");
  }
}

int64_t part_count(const BertPrepareJob& job) {
  const int64_t parts = job.config.get_int("prepare.parts");
  if (parts > 0) return parts;
  uint64_t bytes = 0;
  for (const auto& input : job.inputs) bytes += fs::file_size(input);
  const auto by_size = static_cast<int64_t>((bytes + kAutoPartBytes - 1) / kAutoPartBytes);
  return std::max<int64_t>({1, by_size, static_cast<int64_t>(job.inputs.size())});
}

// Every key but those that only say how to run (threads, timeout), and the size of every file
// read: a resumed job must match it.
std::string fingerprint(const BertPrepareJob& job) {
  std::map<std::string, config::Value> values;
  for (const auto& [key, value] : job.config.values()) {
    if (key != "prepare.threads" && key != "prepare.timeout_s") values[key] = value;
  }
  std::string text = config::Config(values).to_yaml();
  for (const auto& input : job.inputs) {
    text += "# " + input + ": " + std::to_string(fs::file_size(input)) + " bytes\n";
  }
  const std::string given = job.config.get_string("prepare.tokenizer");
  if (!given.empty()) {
    text += "# " + given + ": " + std::to_string(fs::file_size(given)) + " bytes\n";
  }
  text += "# parts: " + std::to_string(job.plan.size()) + "\n";
  return text;
}

}  // namespace

std::string BertPrepareJob::partial() const {
  fs::path target(out);
  if (!target.has_filename()) target = target.parent_path();
  return target.string() + ".partial";
}

std::string BertPrepareJob::config_path() const {
  return (fs::path(partial()) / "prepare.yaml").string();
}

uint32_t BertPrepareJob::file_index(const std::string& file) const {
  const auto it = std::find(inputs.begin(), inputs.end(), file);
  if (it == inputs.end()) throw Error("'" + file + "' is not one of prepare.inputs");
  return static_cast<uint32_t>(it - inputs.begin());
}

BertPrepareJob read_bert_prepare_job(const config::Config& config) {
  BertPrepareJob job;
  job.config = config;
  job.inputs = config.get_string_list("prepare.inputs");
  job.out = config.get_string("prepare.out");
  job.lengths = config.get_int_list("prepare.lengths");
  check_keys(job);
  const std::string given = config.get_string("prepare.tokenizer");
  job.train_tokenizer = given.empty();
  job.tokenizer_file =
      job.train_tokenizer ? "tokenizer.model" : fs::path(given).filename().string();
  job.plan = data::plan_input_parts(job.inputs, part_count(job));
  job.fingerprint = fingerprint(job);
  return job;
}

int prepare_threads(const config::Config& config, int local_world) {
  const int64_t configured = config.get_int("prepare.threads");
  if (configured > 0) return static_cast<int>(configured);
  return dist::threads_per_local_rank(local_world);
}

std::string sample_marker(const data::InputPart& part) { return "sample-" + part.name(); }

std::string pack_marker(int64_t length, const data::InputPart& part) {
  return "seq" + std::to_string(length) + "-" + part.name();
}

}  // namespace ptk::recipes
