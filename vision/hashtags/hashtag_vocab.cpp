#include "vision/hashtags/hashtag_vocab.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "common/base/error.h"
#include "common/base/split.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/wordnet.h"

namespace ptk::vision {
namespace {

std::string escape_member(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case ',':
        out += "%2C";
        break;
      case '=':
        out += "%3D";
        break;
      case '\t':
        out += "%09";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string unescape_member(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const std::string code = text.substr(i + 1, 2);
      const char decoded = code == "25"   ? '%'
                           : code == "2C" ? ','
                           : code == "3D" ? '='
                           : code == "09" ? '\t'
                           : code == "0A" ? '\n'
                                          : '\0';
      if (decoded != '\0') {
        out.push_back(decoded);
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

bool parse_u64(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace

int64_t parse_vocab_size(const std::string& text) {
  if (text == "1.5k") return kVocab1_5k;
  if (text == "8.5k") return kVocab8_5k;
  if (text == "17k") return kVocab17k;
  uint64_t value = 0;
  if (!parse_u64(text, value) || value == 0 || value > (1ull << 31)) {
    throw usage_error(
        "vocabulary size '{}' is not a preset (1.5k, 8.5k, 17k) or a positive integer", text);
  }
  return static_cast<int64_t>(value);
}

HashtagVocab::HashtagVocab(std::vector<VocabEntry> entries) : entries_(std::move(entries)) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id != static_cast<int32_t>(i)) {
      throw error("hashtag vocabulary: entry {} has id {} (ids must be 0..n-1 in order)", i,
                  entries_[i].id);
    }
    if (!by_synset_.emplace(entries_[i].synset, entries_[i].id).second) {
      throw error("hashtag vocabulary: synset {} appears twice (ids {} and {})",
                  wnid(entries_[i].synset), by_synset_[entries_[i].synset], i);
    }
  }
}

std::optional<int32_t> HashtagVocab::class_of_synset(uint32_t synset) const {
  auto it = by_synset_.find(synset);
  if (it == by_synset_.end()) return std::nullopt;
  return it->second;
}

std::vector<uint64_t> HashtagVocab::counts() const {
  std::vector<uint64_t> counts;
  counts.reserve(entries_.size());
  for (const auto& e : entries_) counts.push_back(e.count);
  return counts;
}

void HashtagVocab::write_tsv(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    fail_if(!out, "cannot write {}: {}", temporary, std::strerror(errno));
    out << "id\tname\tsynset\tcount\tmembers\n";
    for (const auto& e : entries_) {
      out << e.id << '\t' << e.name << '\t' << wnid(e.synset) << '\t' << e.count << '\t';
      for (size_t m = 0; m < e.members.size(); ++m) {
        if (m > 0) out << ',';
        out << escape_member(e.members[m].first) << '=' << e.members[m].second;
      }
      out << '\n';
    }
    out.flush();
    fail_if(!out, "write to {} failed (disk full?)", temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw error("cannot rename {} to {}: {}", temporary, path, std::strerror(errno));
  }
}

HashtagVocab HashtagVocab::read_tsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  fail_if(!in, "cannot open vocabulary {}: {}", path, std::strerror(errno));
  std::string line;
  size_t line_number = 0;
  std::vector<VocabEntry> entries;
  auto fail = [&](const std::string& what) {
    throw error("vocabulary {}:{}: {}", path, line_number, what);
  };
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1) {
      if (line != "id\tname\tsynset\tcount\tmembers") {
        fail("expected the header 'id<TAB>name<TAB>synset<TAB>count<TAB>members'");
      }
      continue;
    }
    if (line.empty()) continue;
    const auto fields = split_copies(line, '\t');
    if (fields.size() != 5) {
      fail(fmt::format("expected 5 tab-separated fields, found {}", fields.size()));
    }
    VocabEntry e;
    uint64_t id = 0;
    if (!parse_u64(fields[0], id) || id != entries.size()) {
      fail(fmt::format("field 'id' is '{}', expected {}", fields[0], entries.size()));
    }
    e.id = static_cast<int32_t>(id);
    e.name = fields[1];
    try {
      e.synset = parse_wnid(fields[2]);
    } catch (const Error& failure) {
      fail(std::string("field 'synset': ") + failure.what());
    }
    if (!parse_u64(fields[3], e.count)) fail("field 'count' is '" + fields[3] + "'");
    if (!fields[4].empty()) {
      for (const std::string& member : split_copies(fields[4], ',')) {
        const size_t eq = member.rfind('=');
        uint64_t count = 0;
        if (eq == std::string::npos || !parse_u64(member.substr(eq + 1), count)) {
          fail("field 'members': '" + member + "' is not hashtag=count");
        }
        e.members.emplace_back(unescape_member(member.substr(0, eq)), count);
      }
    }
    entries.push_back(std::move(e));
  }
  fail_if(line_number == 0, "vocabulary {} is empty", path);
  try {
    return HashtagVocab(std::move(entries));
  } catch (const Error& failure) {
    throw error("vocabulary {}: {}", path, failure.what());
  }
}

void HashtagCounter::add_image(const std::vector<std::pair<std::string, uint32_t>>& tags) {
  ++images_;
  std::set<uint32_t> synsets;
  std::set<std::string> hashtags;
  for (const auto& [hashtag, synset] : tags) {
    if (synsets.insert(synset).second) ++counts_[synset];
    if (hashtags.insert(hashtag).second) ++members_[synset][hashtag];
  }
}

void HashtagCounter::merge(const HashtagVocab& counts, uint64_t images) {
  images_ += images;
  for (const VocabEntry& entry : counts.entries()) {
    counts_[entry.synset] += entry.count;
    auto& members = members_[entry.synset];
    for (const auto& [hashtag, count] : entry.members) members[hashtag] += count;
  }
}

HashtagVocab HashtagCounter::build(int64_t k, const Canonicalizer& canonicalizer) const {
  if (k <= 0) throw usage_error("vocabulary size must be positive, got {}", k);
  std::vector<std::pair<uint32_t, uint64_t>> ranked(counts_.begin(), counts_.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (ranked.size() > static_cast<size_t>(k)) ranked.resize(static_cast<size_t>(k));
  std::vector<VocabEntry> entries;
  entries.reserve(ranked.size());
  for (const auto& [synset, count] : ranked) {
    VocabEntry e;
    e.id = static_cast<int32_t>(entries.size());
    e.name = canonicalizer.canonical_name(synset);
    e.synset = synset;
    e.count = count;
    const auto& members = members_.at(synset);
    e.members.assign(members.begin(), members.end());
    std::stable_sort(e.members.begin(), e.members.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    entries.push_back(std::move(e));
  }
  return HashtagVocab(std::move(entries));
}

}  // namespace ptk::vision
