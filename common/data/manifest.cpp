#include "common/data/manifest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "common/io/atomic_file.h"

namespace ptk::data {

uint64_t Manifest::num_samples() const {
  uint64_t total = 0;
  for (const auto& shard : shards) total += shard.num_samples;
  return total;
}

uint64_t Manifest::total_bytes() const {
  uint64_t total = 0;
  for (const auto& shard : shards) total += shard.bytes;
  return total;
}

namespace {

template <class T>
T required(const YAML::Node& node, const std::string& key, const std::string& where) {
  const YAML::Node value = node[key];
  fail_if(!value, "{}: missing key '{}'", where, key);
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    throw error("{}: key '{}' has the wrong type", where, key);
  }
}

std::map<std::string, std::string> string_map(const YAML::Node& node, const std::string& where) {
  std::map<std::string, std::string> out;
  if (!node) return out;
  fail_if(!node.IsMap(), "{} must be a mapping", where);
  for (const auto& item : node) out[item.first.as<std::string>()] = item.second.as<std::string>();
  return out;
}

}  // namespace

Manifest Manifest::load(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kManifestName).string();
  if (!std::filesystem::exists(path)) {
    throw error("'{}' is not a shard set: {} is missing (an unfinished write leaves no manifest)",
                dir, kManifestName);
  }
  return parse(io::read_file(path), path);
}

Manifest Manifest::parse(const std::string& text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw error("{}: invalid YAML: {}", path, e.what());
  }
  Manifest m;
  try {
    const auto format = required<std::string>(root, "format", path);
    fail_if(format != "ptk-shards", "{}: format is '{}', not ptk-shards", path, format);
    m.version = required<int>(root, "version", path);
    if (m.version != kShardFormatVersion) {
      throw error("{}: shard format version {} is not supported (this build reads version {})",
                  path, m.version, kShardFormatVersion);
    }
    m.kind = parse_kind(required<std::string>(root, "kind", path), path);
    m.attributes = string_map(root["attributes"], path + ": attributes");
    m.files = string_map(root["files"], path + ": files");
    if (root["built_by"]) m.built_by = root["built_by"].as<std::string>();
    const YAML::Node shards = root["shards"];
    fail_if(!shards || !shards.IsSequence(), "{}: 'shards' must be a list", path);
    uint64_t total_samples = 0;
    for (size_t i = 0; i < shards.size(); ++i) {
      const std::string where = fmt::format("{}: shards[{}]", path, i);
      ManifestShard s;
      s.file = required<std::string>(shards[i], "file", where);
      s.num_samples = required<uint64_t>(shards[i], "num_samples", where);
      // Sample indices are global uint64 positions: the total must fit.
      if (s.num_samples > std::numeric_limits<uint64_t>::max() - total_samples) {
        throw error("{}: num_samples {} makes the set's total overflow 64 bits", where,
                    s.num_samples);
      }
      total_samples += s.num_samples;
      s.bytes = required<uint64_t>(shards[i], "bytes", where);
      const auto hex = required<std::string>(shards[i], "xxh64", where);
      size_t used = 0;
      try {
        s.xxh64 = std::stoull(hex, &used, 16);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != hex.size() || hex.empty()) {
        throw error("{}: xxh64 '{}' is not a hexadecimal checksum", where, hex);
      }
      m.shards.push_back(std::move(s));
    }
    if (root["num_samples"] && root["num_samples"].as<uint64_t>() != m.num_samples()) {
      throw error("{}: num_samples {} differs from the sum over shards {}", path,
                  root["num_samples"].as<std::string>(), m.num_samples());
    }
  } catch (const YAML::Exception& e) {
    throw error("{}: {}", path, e.what());
  }
  return m;
}

std::string Manifest::to_yaml() const {
  // yaml-cpp writes ill-formed UTF-8 in a quoted string as U+FFFD: a Latin-1 file name would be
  // saved as a different name. Refuse instead, naming the field.
  auto check = [](const std::string& text, const std::string& field) {
    if (!is_valid_utf8(text)) {
      throw error("{}: {} '{}' is not valid UTF-8 (manifests are UTF-8 text)", kManifestName, field,
                  text);
    }
  };
  check(built_by, "built_by");
  for (const auto& [name, value] : attributes) {
    check(name, "attribute name");
    check(value, "attributes." + name);
  }
  for (const auto& [role, file] : files) {
    check(role, "file role");
    check(file, "files." + role);
  }
  for (const auto& s : shards) check(s.file, "shard file");
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << "ptk-shards";
  out << YAML::Key << "version" << YAML::Value << version;
  out << YAML::Key << "kind" << YAML::Value << kind_name(kind);
  out << YAML::Key << "num_samples" << YAML::Value << num_samples();
  out << YAML::Key << "total_bytes" << YAML::Value << total_bytes();
  out << YAML::Key << "built_by" << YAML::Value << built_by;
  out << YAML::Key << "attributes" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : attributes) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
  out << YAML::Key << "files" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : files) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
  out << YAML::Key << "shards" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : shards) {
    out << YAML::BeginMap;
    out << YAML::Key << "file" << YAML::Value << s.file;
    out << YAML::Key << "num_samples" << YAML::Value << s.num_samples;
    out << YAML::Key << "bytes" << YAML::Value << s.bytes;
    out << YAML::Key << "xxh64" << YAML::Value << YAML::DoubleQuoted << hex64(s.xxh64);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void Manifest::save(const std::string& dir) const {
  const std::string path = (std::filesystem::path(dir) / kManifestName).string();
  const std::string tmp = path + ".tmp";
  const std::string text = to_yaml();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  fail_if(fd < 0, "cannot create '{}'", tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw error("cannot write '{}' (disk full?)", tmp);
    }
    done += static_cast<size_t>(n);
  }
  fail_if(::fsync(fd) != 0 || ::close(fd) != 0, "cannot flush '{}'", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw error("cannot rename '{}' to '{}'", tmp, path);
  }
}

}  // namespace ptk::data
