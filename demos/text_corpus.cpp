#include "demos/text_corpus.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "common/data/philox.h"

namespace ptk::demo {
namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// Collapses runs of whitespace, capitalises the first letter and ends the sentence with a
// full stop; returns "" for text too short to be a sentence or not valid UTF-8.
std::string as_sentence(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  out = trim(out);
  while (!out.empty() && (out.back() == ';' || out.back() == ',' || out.back() == ':')) {
    out.pop_back();
  }
  if (std::count(out.begin(), out.end(), ' ') < 2) return {};
  if (ptk::find_utf8_defect(out)) return {};
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  const char last = out.back();
  if (last != '.' && last != '!' && last != '?' && last != '"') out += '.';
  return out;
}

}  // namespace

std::vector<TextDocument> wordnet_gloss_documents(const std::string& dir,
                                                  int synsets_per_document) {
  if (synsets_per_document < 1) {
    throw usage_error("demo.synsets_per_document must be >= 1, got {}", synsets_per_document);
  }
  std::vector<TextDocument> documents;
  for (const char* pos : {"noun", "verb", "adj", "adv"}) {
    const std::string path = dir + "/data." + pos;
    std::ifstream in(path);
    fail_if(!in, "cannot open WordNet file '{}' (package wordnet-base)", path);
    std::string line;
    int64_t line_number = 0;
    int current_lex_file = -1;
    int in_document = 0;
    while (std::getline(in, line)) {
      ++line_number;
      if (line.empty() || line[0] == ' ') continue;  // licence header
      const auto bar = line.find(" | ");
      std::istringstream fields(line);
      std::string offset, type, lemma;
      int lex_file = -1;
      fields >> offset >> lex_file >> type;
      std::string count_hex;
      fields >> count_hex >> lemma;
      if (bar == std::string::npos || !fields || lex_file < 0) {
        throw error(
            "{}:{}: not a WordNet synset line (offset lex_filenum ss_type w_cnt word ... | gloss)",
            path, line_number);
      }
      // Adjective markers "(a)", "(p)", "(ip)" are not part of the lemma.
      if (const auto paren = lemma.find('('); paren != std::string::npos) lemma.resize(paren);
      std::replace(lemma.begin(), lemma.end(), '_', ' ');

      if (lex_file != current_lex_file || in_document >= synsets_per_document) {
        documents.emplace_back();
        current_lex_file = lex_file;
        in_document = 0;
      }
      ++in_document;
      auto& sentences = documents.back().sentences;
      // The gloss: a definition, then examples in double quotes, separated by "; ".
      std::string gloss = trim(line.substr(bar + 3));
      bool first = true;
      size_t start = 0;
      while (start < gloss.size()) {
        auto end = gloss.find("; ", start);
        if (end == std::string::npos) end = gloss.size();
        std::string part = trim(gloss.substr(start, end - start));
        start = end + 2;
        if (part.empty()) continue;
        std::string sentence;
        if (part.front() == '"') {
          part.erase(std::remove(part.begin(), part.end(), '"'), part.end());
          sentence = as_sentence(part);
        } else if (first) {
          sentence = as_sentence(lemma + ": " + part);
          first = false;
        } else {
          sentence = as_sentence(part);
        }
        if (!sentence.empty()) sentences.push_back(sentence);
      }
    }
  }
  documents.erase(std::remove_if(documents.begin(), documents.end(),
                                 [](const TextDocument& d) { return d.sentences.empty(); }),
                  documents.end());
  return documents;
}

namespace {

// dictd's base64 numbers (offsets and lengths in gcide.index).
uint64_t decode_b64(const std::string& s, const std::string& where) {
  static const std::string digits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint64_t value = 0;
  for (char c : s) {
    const auto d = digits.find(c);
    fail_if(d == std::string::npos, "{}: bad base64 number '{}'", where, s);
    value = value * 64 + d;
  }
  return value;
}

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  fail_if(file == nullptr, "cannot open '{}' (package dict-gcide)", path);
  std::string out;
  std::vector<char> buffer(1 << 20);
  int n = 0;
  while ((n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    out.append(buffer.data(), static_cast<size_t>(n));
  }
  int status = Z_OK;
  const char* message = gzerror(file, &status);
  gzclose(file);
  if (n < 0 || (status != Z_OK && status != Z_STREAM_END)) {
    throw error("'{}' is not a readable gzip/dictzip file: {}", path, message);
  }
  return out;
}

// Drops GCIDE markup: {cross references} keep their text, accent codes like ["e] and ['a]
// become the letter, [ae]/[oe] ligatures become two letters, "\pron\" spans are removed.
std::string strip_markup(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' || c == '}') continue;
    if (c == '[') {
      const auto close = text.find(']', i);
      if (close != std::string::npos && close - i <= 4) {
        for (size_t k = i + 1; k < close; ++k) {
          if (std::isalpha(static_cast<unsigned char>(text[k]))) out += text[k];
        }
        i = close;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

std::vector<TextDocument> gcide_documents(const std::string& dir) {
  const std::string index_path = dir + "/gcide.index";
  const std::string dict_path = dir + "/gcide.dict.dz";
  std::ifstream index(index_path);
  fail_if(!index, "cannot open '{}' (package dict-gcide)", index_path);
  const std::string dict = read_gzip(dict_path);

  std::vector<TextDocument> documents;
  std::unordered_set<uint64_t> seen;  // several headwords share one entry
  std::string line;
  int64_t line_number = 0;
  while (std::getline(index, line)) {
    ++line_number;
    const std::string where = fmt::format("{}:{}", index_path, line_number);
    const auto tab1 = line.find('\t');
    const auto tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    fail_if(tab2 == std::string::npos, "{}: expected 'word<TAB>offset<TAB>length'", where);
    if (line.rfind("00-", 0) == 0) continue;  // database information
    const uint64_t offset = decode_b64(line.substr(tab1 + 1, tab2 - tab1 - 1), where);
    const uint64_t length = decode_b64(line.substr(tab2 + 1), where);
    if (offset + length > dict.size()) {
      throw error("{}: entry ends at byte {} past the end of {} ({} bytes)", where, offset + length,
                  dict_path, dict.size());
    }
    if (!seen.insert(offset).second) continue;

    // Numbered senses: "   2. (Physiol.) To expose ..." continued on lines indented by at
    // most six spaces; a blank line, a source tag or a deeper-indented quotation ends one.
    TextDocument doc;
    std::string sense;
    auto finish = [&] {
      if (!sense.empty()) {
        const auto sentence = as_sentence(strip_markup(sense));
        if (!sentence.empty()) doc.sentences.push_back(sentence);
      }
      sense.clear();
    };
    std::istringstream entry(dict.substr(offset, length));
    for (std::string raw; std::getline(entry, raw);) {
      const auto indent = raw.find_first_not_of(' ');
      const std::string text = trim(raw);
      size_t digits = 0;
      while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
      }
      if (digits > 0 && text.compare(digits, 2, ". ") == 0) {
        finish();
        sense = text.substr(digits + 2);
      } else if (text.empty() || text[0] == '[' || indent == std::string::npos || indent > 6 ||
                 text.rfind("Syn:", 0) == 0 || text.rfind("Note:", 0) == 0) {
        finish();
      } else if (!sense.empty()) {
        sense += ' ' + text;
      }
    }
    finish();
    if (!doc.sentences.empty()) documents.push_back(std::move(doc));
  }
  return documents;
}

TextCorpusStats write_text_corpus(const TextCorpusOptions& options, const std::string& path) {
  if (!options.wordnet && !options.gcide) {
    throw usage_error("demo.wordnet and demo.gcide are both off: no source to build from");
  }
  if (options.target_bytes == 0) throw usage_error("demo.corpus_kb must be > 0");
  std::vector<TextDocument> documents;
  size_t wordnet_count = 0;
  if (options.wordnet) {
    documents = wordnet_gloss_documents(options.wordnet_dir, options.synsets_per_document);
    wordnet_count = documents.size();
  }
  if (options.gcide) {
    auto more = gcide_documents(options.gcide_dir);
    documents.insert(documents.end(), std::make_move_iterator(more.begin()),
                     std::make_move_iterator(more.end()));
  }
  // A seeded permutation mixes the sources and spreads topics over any prefix.
  std::vector<size_t> order(documents.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  data::SampleRng rng(options.seed, 0, 0);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.uniform_int(i)]);

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  fail_if(!out, "cannot write '{}'", path);
  TextCorpusStats stats;
  stats.available_documents = static_cast<int64_t>(documents.size());
  for (size_t i : order) {
    if (stats.bytes >= options.target_bytes) break;
    if (stats.documents > 0) {
      out << '\n';
      stats.bytes += 1;
    }
    for (const auto& sentence : documents[i].sentences) {
      out << sentence << '\n';
      stats.bytes += sentence.size() + 1;
    }
    ++stats.documents;
    stats.sentences += static_cast<int64_t>(documents[i].sentences.size());
    (i < wordnet_count ? stats.wordnet_documents : stats.gcide_documents) += 1;
  }
  out.close();
  fail_if(!out, "error writing '{}'", path);
  return stats;
}

}  // namespace ptk::demo
