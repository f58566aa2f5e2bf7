#include "vision/hashtags/wordnet.h"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "common/base/error.h"
#include "common/base/split.h"
#include "common/io/atomic_file.h"

namespace ptk::vision {
namespace {

// io::read_file with what to do about a missing database.
std::string read_wordnet_file(const std::string& path) {
  try {
    return io::read_file(path);
  } catch (const Error& e) {
    throw error(
        "WordNet: {} (install wordnet-base or point the WordNet directory at index.noun/data.noun)",
        e.what());
  }
}

// Splits on single spaces without copying; empty fields (double spaces) are skipped.
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

bool parse_uint(std::string_view text, int base, uint64_t& out) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    if (digit >= base) return false;
    value = value * base + digit;
  }
  out = value;
  return true;
}

[[noreturn]] void malformed(const std::string& path, size_t line, const std::string& what) {
  throw error("WordNet: {}:{}: {}", path, line, what);
}

// Calls fn(line_number, byte_offset, line) for every line that is not part of the license
// header (header lines begin with two spaces).
template <typename Fn>
void for_each_entry(const std::string& text, Fn fn) {
  for_each_line(text, [&fn](uint64_t line_number, size_t offset, std::string_view line) {
    if (!line.empty() && line[0] != ' ') fn(static_cast<size_t>(line_number), offset, line);
  });
}

}  // namespace

WordNet WordNet::load(const std::string& dir) {
  WordNet wn;
  const std::string data_path = dir + "/data.noun";
  const std::string data = read_wordnet_file(data_path);
  for_each_entry(data, [&](size_t line_number, size_t byte_offset, std::string_view line) {
    const size_t bar = line.find(" | ");
    std::string_view head = line.substr(0, bar);
    const auto f = split_fields(head);
    uint64_t offset = 0, word_count = 0, pointer_count = 0;
    if (f.size() < 4 || !parse_uint(f[0], 10, offset) || !parse_uint(f[3], 16, word_count)) {
      malformed(data_path, line_number, "expected 'offset lex_filenum ss_type w_cnt ...'");
    }
    // The offset field is the line's byte offset by definition; a mismatch means the file
    // was edited or re-encoded, and every pointer into it would be wrong.
    if (offset != byte_offset) {
      malformed(data_path, line_number,
                fmt::format("synset offset {} does not match its byte offset {} (file altered?)",
                            f[0], byte_offset));
    }
    const size_t pointer_field = 4 + 2 * word_count;
    if (f.size() <= pointer_field || !parse_uint(f[pointer_field], 10, pointer_count) ||
        f.size() < pointer_field + 1 + 4 * pointer_count) {
      malformed(data_path, line_number, "word or pointer list is truncated");
    }
    Synset s;
    s.offset = static_cast<uint32_t>(offset);
    for (uint64_t w = 0; w < word_count; ++w) s.lemmas.emplace_back(f[4 + 2 * w]);
    for (uint64_t p = 0; p < pointer_count; ++p) {
      const size_t at = pointer_field + 1 + 4 * p;
      if ((f[at] == "@" || f[at] == "@i") && f[at + 2] == "n") {
        uint64_t target = 0;
        if (!parse_uint(f[at + 1], 10, target)) {
          malformed(data_path, line_number, "bad pointer offset '" + std::string(f[at + 1]) + "'");
        }
        s.hypernyms.push_back(static_cast<uint32_t>(target));
      }
    }
    if (bar != std::string_view::npos) {
      std::string_view gloss = line.substr(bar + 3);
      while (!gloss.empty() && gloss.back() == ' ') gloss.remove_suffix(1);
      s.gloss = std::string(gloss);
    }
    wn.synset_index_.emplace(s.offset, static_cast<uint32_t>(wn.synsets_.size()));
    wn.synsets_.push_back(std::move(s));
  });

  const std::string index_path = dir + "/index.noun";
  const std::string index = read_wordnet_file(index_path);
  wn.senses_.reserve(130000);
  for_each_entry(index, [&](size_t line_number, size_t, std::string_view line) {
    const auto f = split_fields(line);
    uint64_t synset_count = 0, pointer_count = 0;
    if (f.size() < 4 || !parse_uint(f[2], 10, synset_count) ||
        !parse_uint(f[3], 10, pointer_count)) {
      malformed(index_path, line_number, "expected 'lemma pos synset_cnt p_cnt ...'");
    }
    const size_t first_offset = 4 + pointer_count + 2;
    if (f.size() != first_offset + synset_count) {
      malformed(index_path, line_number, fmt::format("expected {} synset offsets", synset_count));
    }
    std::vector<uint32_t> offsets;
    offsets.reserve(synset_count);
    for (uint64_t k = 0; k < synset_count; ++k) {
      uint64_t offset = 0;
      if (!parse_uint(f[first_offset + k], 10, offset)) {
        malformed(index_path, line_number,
                  "bad synset offset '" + std::string(f[first_offset + k]) + "'");
      }
      if (wn.synset_index_.count(static_cast<uint32_t>(offset)) == 0) {
        malformed(index_path, line_number,
                  "synset " + std::string(f[first_offset + k]) + " is not in " + data_path);
      }
      offsets.push_back(static_cast<uint32_t>(offset));
    }
    std::string lemma(f[0]);
    auto [it, inserted] = wn.senses_.emplace(lemma, std::move(offsets));
    if (inserted) wn.index_order_.push_back(std::move(lemma));
  });

  const std::string exc_path = dir + "/noun.exc";
  std::ifstream exc_probe(exc_path);
  if (exc_probe) {
    exc_probe.close();
    const std::string exc = read_wordnet_file(exc_path);
    for_each_entry(exc, [&](size_t line_number, size_t, std::string_view line) {
      const auto f = split_fields(line);
      if (f.size() < 2) malformed(exc_path, line_number, "expected 'form base [base ...]'");
      auto& bases = wn.exceptions_[std::string(f[0])];
      for (size_t k = 1; k < f.size(); ++k) bases.emplace_back(f[k]);
    });
  }
  return wn;
}

const std::vector<uint32_t>* WordNet::senses(std::string_view lemma) const {
  auto it = senses_.find(std::string(lemma));
  return it == senses_.end() ? nullptr : &it->second;
}

const Synset* WordNet::synset(uint32_t offset) const {
  auto it = synset_index_.find(offset);
  return it == synset_index_.end() ? nullptr : &synsets_[it->second];
}

const std::vector<std::string>* WordNet::exception_bases(std::string_view form) const {
  auto it = exceptions_.find(std::string(form));
  return it == exceptions_.end() ? nullptr : &it->second;
}

std::string wnid(uint32_t offset) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "n%08u", offset);
  return buffer;
}

uint32_t parse_wnid(std::string_view id) {
  uint64_t offset = 0;
  if (id.size() != 9 || id[0] != 'n' || !parse_uint(id.substr(1), 10, offset)) {
    throw error("'{}' is not a WordNet noun id (expected n + 8 digits)", id);
  }
  return static_cast<uint32_t>(offset);
}

}  // namespace ptk::vision
