#include "vision/dedup/dedup_partials.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string_view>
#include <utility>

#include "common/base/error.h"
#include "common/base/split.h"
#include "common/io/atomic_file.h"

namespace fs = std::filesystem;

namespace ptk::vision {
namespace {

std::string part_file(const std::string& dir, const std::string& stem, int rank,
                      const std::string& extension) {
  return (fs::path(dir) / fmt::format("{}-{}.{}", stem, rank, extension)).string();
}

// Keys and error messages may hold any byte; a field holds no tab or line break. Each of these
// bytes is written as a backslash and a letter.
constexpr std::pair<char, char> kEscapes[] = {{'\\', '\\'}, {'\t', 't'}, {'\n', 'n'}, {'\r', 'r'}};

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto* e = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                                 [c](const auto& escape) { return escape.first == c; });
    if (e == std::end(kEscapes)) {
      out += c;
    } else {
      out += '\\';
      out += e->second;
    }
  }
  return out;
}

std::string unescape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char letter = text[++i];
    const auto* e = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                                 [letter](const auto& escape) { return escape.second == letter; });
    out += e == std::end(kEscapes) ? letter : e->first;
  }
  return out;
}

int64_t parse_int(const std::string& text, const std::string& file) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  fail_if(text.empty() || *end != '\0', "{}: '{}' is not a number (a rank's partial result)", file,
          text);
  return value;
}

Duplicate parse_duplicate(const std::vector<std::string>& fields, const std::string& file) {
  fail_if(fields.size() != 8, "{}: a duplicate line has {} fields, not 8", file, fields.size());
  Duplicate d;
  d.shard_position = static_cast<size_t>(parse_int(fields[1], file));
  d.shard = unescape(fields[2]);
  d.index = static_cast<uint64_t>(parse_int(fields[3], file));
  d.eval_image = parse_int(fields[4], file);
  d.similarity = std::strtof(fields[5].c_str(), nullptr);
  d.flipped = fields[6] == "1";
  d.key = unescape(fields[7]);
  return d;
}

}  // namespace

void write_eval_slice(const std::string& dir, int rank, const Embeddings& slice) {
  io::write_file_atomic(part_file(dir, "eval", rank, "f32"),
                        std::string(reinterpret_cast<const char*>(slice.rows.data()),
                                    slice.rows.size() * sizeof(float)));
  std::string errors;
  for (size_t i = 0; i < slice.errors.size(); ++i) {
    if (!slice.errors[i].empty()) errors += fmt::format("{}\t{}\n", i, escape(slice.errors[i]));
  }
  io::write_file_atomic(part_file(dir, "eval", rank, "tsv"), errors);
}

Embeddings read_eval_slice(const std::string& dir, int rank, size_t count, int dim) {
  const std::string vectors_file = part_file(dir, "eval", rank, "f32");
  const std::string bytes = io::read_file(vectors_file);
  const size_t expected = count * static_cast<size_t>(dim) * sizeof(float);
  fail_if(bytes.size() != expected, "{}: {} bytes, expected {} ({} vectors of {} floats)",
          vectors_file, bytes.size(), expected, count, dim);
  Embeddings slice;
  slice.rows.resize(count * static_cast<size_t>(dim));
  std::memcpy(slice.rows.data(), bytes.data(), bytes.size());
  slice.errors.resize(count);
  const std::string errors_file = part_file(dir, "eval", rank, "tsv");
  for_each_line(io::read_file(errors_file), [&](uint64_t, size_t, std::string_view line) {
    const size_t tab = line.find('\t');
    fail_if(tab == std::string_view::npos, "{}: a line without a tab: '{}'", errors_file, line);
    const auto position =
        static_cast<size_t>(parse_int(std::string(line.substr(0, tab)), errors_file));
    fail_if(position >= count, "{}: image {} of a slice of {}", errors_file, position, count);
    slice.errors[position] = unescape(std::string(line.substr(tab + 1)));
  });
  return slice;
}

void write_findings(const std::string& dir, int rank, const RankFindings& findings) {
  std::string text = fmt::format("records\t{}\nhistogram", findings.records);
  for (const int64_t count : findings.histogram) text += fmt::format("\t{}", count);
  text += "\n";
  for (const Duplicate& d : findings.duplicates) {
    text += fmt::format("duplicate\t{}\t{}\t{}\t{}\t{:.9g}\t{}\t{}\n", d.shard_position,
                        escape(d.shard), d.index, d.eval_image, d.similarity, d.flipped ? 1 : 0,
                        escape(d.key));
  }
  for (const Unreadable& u : findings.unreadable) {
    text +=
        fmt::format("unreadable\t{}\t{}\t{}\n", escape(u.source), escape(u.name), escape(u.error));
  }
  io::write_file_atomic(part_file(dir, "findings", rank, "tsv"), text);
}

RankFindings read_findings(const std::string& dir, int rank) {
  const std::string file = part_file(dir, "findings", rank, "tsv");
  RankFindings findings;
  for_each_line(io::read_file(file), [&](uint64_t, size_t, std::string_view line) {
    const std::vector<std::string> fields = split_copies(line, '\t');
    const std::string& kind = fields.front();
    if (kind == "records" && fields.size() == 2) {
      findings.records = parse_int(fields[1], file);
    } else if (kind == "histogram") {
      for (size_t i = 1; i < fields.size(); ++i)
        findings.histogram.push_back(parse_int(fields[i], file));
    } else if (kind == "duplicate") {
      findings.duplicates.push_back(parse_duplicate(fields, file));
    } else if (kind == "unreadable" && fields.size() == 4) {
      findings.unreadable.push_back(
          {unescape(fields[1]), unescape(fields[2]), unescape(fields[3])});
    } else {
      throw error("{}: unexpected line '{}' (a rank's partial result)", file, line);
    }
  });
  return findings;
}

}  // namespace ptk::vision
