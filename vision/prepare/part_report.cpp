#include "vision/prepare/part_report.h"

#include <yaml-cpp/yaml.h>

#include "common/base/error.h"

namespace ptk::vision {

namespace {

constexpr size_t kMaxExamples = 10;

// The counters, by name, in one place for writing, reading and adding: fn(name, field of each
// report given).
template <typename Fn, typename... Reports>
void for_each_count(Fn&& fn, Reports&... r) {
  fn("lines", r.lines...);
  fn("records", r.records...);
  fn("malformed", r.malformed...);
  fn("videos", r.videos...);
  fn("no_class", r.no_class...);
  fn("train_images", r.train_images...);
  fn("val_images", r.val_images...);
  fn("recoded", r.recoded...);
  fn("bytes_read", r.bytes_read...);
  fn("bytes_stored", r.bytes_stored...);
  fn("labels", r.labels...);
  fn("hashtags", r.hashtags...);
  fn("hashtags_invalid_utf8", r.hashtags_invalid_utf8...);
  fn("hashtags_empty", r.hashtags_empty...);
  fn("hashtags_not_in_wordnet", r.hashtags_not_in_wordnet...);
  fn("hashtags_out_of_vocab", r.hashtags_out_of_vocab...);
}

void append_examples(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& example : from) {
    if (to.size() >= kMaxExamples) return;
    to.push_back(example);
  }
}

std::vector<std::string> string_list(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node) {
    for (const auto& item : node) out.push_back(item.as<std::string>());
  }
  return out;
}

}  // namespace

std::string PartReport::to_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for_each_count(
      [&](const char* key, uint64_t value) { out << YAML::Key << key << YAML::Value << value; },
      *this);
  out << YAML::Key << "bad_images" << YAML::Value << YAML::BeginSeq;
  for (const auto& bad : bad_images) {
    out << YAML::Flow << YAML::BeginSeq << bad.line << bad.image << bad.problem << YAML::EndSeq;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "malformed_examples" << YAML::Value << malformed_examples;
  out << YAML::Key << "invalid_utf8_examples" << YAML::Value << invalid_utf8_examples;
  out << YAML::Key << "train" << YAML::Value << YAML::Literal << train.to_yaml();
  out << YAML::Key << "val" << YAML::Value << YAML::Literal << val.to_yaml();
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

PartReport PartReport::parse(const std::string& yaml, const std::string& name) {
  PartReport report;
  try {
    const YAML::Node root = YAML::Load(yaml);
    for_each_count(
        [&](const char* key, uint64_t& value) {
          if (!root[key]) throw error("{}: '{}' is missing", name, key);
          value = root[key].as<uint64_t>();
        },
        report);
    for (const auto& bad : root["bad_images"]) {
      report.bad_images.push_back(
          {bad[0].as<uint64_t>(), bad[1].as<std::string>(), bad[2].as<std::string>()});
    }
    report.malformed_examples = string_list(root["malformed_examples"]);
    report.invalid_utf8_examples = string_list(root["invalid_utf8_examples"]);
    report.train = data::Manifest::parse(root["train"].as<std::string>(), name + ": train");
    report.val = data::Manifest::parse(root["val"].as<std::string>(), name + ": val");
  } catch (const YAML::Exception& e) {
    throw error("{}: {} (remove it to redo the part)", name, e.what());
  }
  return report;
}

void PartReport::add_counts(const PartReport& other) {
  for_each_count([](const char*, uint64_t& mine, const uint64_t& theirs) { mine += theirs; }, *this,
                 other);
  append_examples(malformed_examples, other.malformed_examples);
  append_examples(invalid_utf8_examples, other.invalid_utf8_examples);
}

}  // namespace ptk::vision
