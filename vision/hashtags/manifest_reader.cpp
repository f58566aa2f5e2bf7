#include "vision/hashtags/manifest_reader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/base/split.h"

namespace ptk::vision {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The whole file as one part: lines up to the end, however long the file grows meanwhile.
data::InputPart whole_file(const std::string& path) {
  data::InputPart part;
  part.file = path;
  part.end = std::numeric_limits<uint64_t>::max();
  part.file_bytes = part.end;
  return part;
}

constexpr EnumName<ManifestFormat> kManifestFormatNames[] = {
    {ManifestFormat::kJsonl, "jsonl"},
    {ManifestFormat::kTsv, "tsv"},
    {ManifestFormat::kYfcc100m, "yfcc100m"}};

}  // namespace

ManifestFormat parse_manifest_format(const std::string& name) {
  return parse_name(kManifestFormatNames, name, "manifest format");
}

const char* to_string(ManifestFormat format) { return name_of(kManifestFormatNames, format); }

ManifestFormat detect_manifest_format(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.find("yfcc100m") != std::string::npos) return ManifestFormat::kYfcc100m;
  if (ends_with(name, ".jsonl") || ends_with(name, ".json")) return ManifestFormat::kJsonl;
  if (ends_with(name, ".tsv")) return ManifestFormat::kTsv;
  throw usage_error(
      "cannot tell the format of manifest {} from its name; give it explicitly (jsonl, tsv or "
      "yfcc100m)",
      path);
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ManifestReader::ManifestReader(const std::string& path, ManifestFormat format)
    : ManifestReader(whole_file(path), format) {}

ManifestReader::ManifestReader(const data::InputPart& part, ManifestFormat format)
    : path_(part.file), format_(format), lines_(part) {}

std::string ManifestReader::where(uint64_t line) const {
  if (lines_.part().begin == 0) return fmt::format("{}:{}", path_, line);
  return fmt::format("{}: line {} of {}", path_, line, lines_.part().describe());
}

bool ManifestReader::next(ManifestRecord& record) {
  while (lines_.next(line_)) {
    ++stats_.lines;
    std::string_view line(line_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (lines_.line_offset() == 0 && format_ == ManifestFormat::kTsv &&
        line.substr(0, 6) == "image\t") {
      continue;
    }
    record.image.clear();
    record.hashtags.clear();
    record.line = stats_.lines;
    bool is_video = false;
    std::string why = format_ == ManifestFormat::kYfcc100m ? parse_yfcc(line, record, is_video)
                                                           : parse_line(line, record);
    if (is_video) {
      ++stats_.videos;
      continue;
    }
    if (!why.empty()) {
      ++stats_.malformed;
      if (stats_.malformed_examples.size() < ManifestStats::kMaxExamples) {
        stats_.malformed_examples.push_back(where(stats_.lines) + ": " + why);
      }
      continue;
    }
    ++stats_.records;
    return true;
  }
  return false;
}

std::string ManifestReader::parse_line(std::string_view line, ManifestRecord& record) {
  return format_ == ManifestFormat::kJsonl ? parse_jsonl(line, record) : parse_tsv(line, record);
}

std::string ManifestReader::parse_jsonl(std::string_view line, ManifestRecord& record) {
  nlohmann::json value = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (value.is_discarded()) return "not valid JSON";
  if (!value.is_object()) return "expected a JSON object";
  auto image = value.find("image");
  if (image == value.end()) return "missing key \"image\"";
  if (!image->is_string() || image->get_ref<const std::string&>().empty()) {
    return "key \"image\" must be a non-empty string";
  }
  auto hashtags = value.find("hashtags");
  if (hashtags == value.end()) return "missing key \"hashtags\"";
  if (!hashtags->is_array()) return "key \"hashtags\" must be an array of strings";
  for (const auto& tag : *hashtags) {
    if (!tag.is_string()) return "key \"hashtags\" must be an array of strings";
    record.hashtags.push_back(tag.get<std::string>());
  }
  record.image = image->get<std::string>();
  return "";
}

std::string ManifestReader::parse_tsv(std::string_view line, ManifestRecord& record) {
  const auto fields = split(line, '\t');
  if (fields.size() != 2) {
    return fmt::format("expected 2 tab-separated fields (image, hashtags), found {}",
                       fields.size());
  }
  if (fields[0].empty()) return "empty image field";
  record.image = std::string(fields[0]);
  std::string_view tags = fields[1];
  size_t i = 0;
  while (i < tags.size()) {
    while (i < tags.size() && (tags[i] == ',' || tags[i] == ' ')) ++i;
    size_t j = i;
    while (j < tags.size() && tags[j] != ',' && tags[j] != ' ') ++j;
    if (j > i) record.hashtags.emplace_back(tags.substr(i, j - i));
    i = j;
  }
  return "";
}

std::string ManifestReader::parse_yfcc(std::string_view line, ManifestRecord& record,
                                       bool& is_video) {
  const auto fields = split(line, '\t');
  size_t id_field = 0, tags_field = 0;
  if (fields.size() == 25) {
    id_field = 1;
    tags_field = 10;
  } else if (fields.size() == 23) {
    id_field = 0;
    tags_field = 8;
  } else {
    return fmt::format("expected 25 (or 23) tab-separated YFCC100M fields, found {}",
                       fields.size());
  }
  if (fields.back() == "1") {
    is_video = true;
    return "";
  }
  if (fields[id_field].empty()) return "empty photo id";
  record.image = std::string(fields[id_field]);
  if (!fields[tags_field].empty()) {
    for (std::string_view tag : split(fields[tags_field], ',')) {
      if (!tag.empty()) record.hashtags.push_back(url_decode(tag));
    }
  }
  return "";
}

}  // namespace ptk::vision
