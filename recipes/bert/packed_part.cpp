#include "recipes/bert/packed_part.h"

#include <yaml-cpp/yaml.h>

#include "common/base/error.h"

namespace ptk::recipes {

std::string packed_part_text(const text::CorpusSummary& part) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "lines" << YAML::Value << part.lines;
  out << YAML::Key << "documents" << YAML::Value << part.documents;
  out << YAML::Key << "sentences" << YAML::Value << part.sentences;
  out << YAML::Key << "tokens" << YAML::Value << part.tokens;
  out << YAML::Key << "sequences" << YAML::Value << part.sequences;
  out << YAML::Key << "sequence_tokens" << YAML::Value << part.sequence_tokens;
  out << YAML::Key << "random_next" << YAML::Value << part.random_next;
  out << YAML::Key << "invalid_utf8_lines" << YAML::Value << part.invalid_utf8_lines;
  out << YAML::Key << "invalid_utf8_examples" << YAML::Value << part.invalid_utf8_examples;
  // Sparse: [id, count, id, count, ...] for the ids written.
  std::vector<int64_t> counts;
  for (size_t id = 0; id < part.token_counts.size(); ++id) {
    if (part.token_counts[id] > 0) {
      counts.push_back(static_cast<int64_t>(id));
      counts.push_back(part.token_counts[id]);
    }
  }
  out << YAML::Key << "vocab_size" << YAML::Value << part.token_counts.size();
  out << YAML::Key << "token_counts" << YAML::Value << YAML::Flow << counts;
  out << YAML::Key << "manifest" << YAML::Value << YAML::Literal << part.manifest.to_yaml();
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

text::CorpusSummary parse_packed_part(const std::string& text, const std::string& where) {
  text::CorpusSummary part;
  try {
    const YAML::Node node = YAML::Load(text);
    part.lines = node["lines"].as<int64_t>();
    part.documents = node["documents"].as<int64_t>();
    part.sentences = node["sentences"].as<int64_t>();
    part.tokens = node["tokens"].as<int64_t>();
    part.sequences = node["sequences"].as<int64_t>();
    part.sequence_tokens = node["sequence_tokens"].as<int64_t>();
    part.random_next = node["random_next"].as<int64_t>();
    part.invalid_utf8_lines = node["invalid_utf8_lines"].as<int64_t>();
    part.invalid_utf8_examples = node["invalid_utf8_examples"].as<std::vector<std::string>>();
    part.token_counts.assign(node["vocab_size"].as<size_t>(), 0);
    const auto counts = node["token_counts"].as<std::vector<int64_t>>();
    for (size_t i = 0; i + 1 < counts.size(); i += 2) {
      const auto id = static_cast<size_t>(counts[i]);
      if (id >= part.token_counts.size()) throw YAML::Exception(YAML::Mark(), "token id too large");
      part.token_counts[id] = counts[i + 1];
    }
    part.manifest = data::Manifest::parse(node["manifest"].as<std::string>(), where);
  } catch (const YAML::Exception& e) {
    throw error(
        "'{}' is not a packed-part marker ({}): remove it and run the same command again to "
        "redo that part",
        where, e.what());
  }
  part.shards = part.manifest.shards.size();
  return part;
}

void add_packed_part(const text::CorpusSummary& part, text::CorpusSummary* total) {
  total->lines += part.lines;
  total->documents += part.documents;
  total->sentences += part.sentences;
  total->tokens += part.tokens;
  total->sequences += part.sequences;
  total->sequence_tokens += part.sequence_tokens;
  total->random_next += part.random_next;
  total->invalid_utf8_lines += part.invalid_utf8_lines;
  for (const auto& example : part.invalid_utf8_examples) {
    if (total->invalid_utf8_examples.size() < text::ReaderStats::kMaxExamples) {
      total->invalid_utf8_examples.push_back(example);
    }
  }
  if (total->token_counts.size() < part.token_counts.size()) {
    total->token_counts.resize(part.token_counts.size(), 0);
  }
  for (size_t id = 0; id < part.token_counts.size(); ++id) {
    total->token_counts[id] += part.token_counts[id];
  }
  for (const auto& shard : part.manifest.shards) total->manifest.shards.push_back(shard);
  total->shards = total->manifest.shards.size();
  ++total->parts;
}

}  // namespace ptk::recipes
