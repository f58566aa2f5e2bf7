// Streaming reader of image hashtag manifests: one record per line, {image, hashtags}, from
//   - JSONL: {"image": "path/or/key", "hashtags": ["#a", "b", ...]} (other fields ignored);
//   - TSV:   image<TAB>hashtags, hashtags separated by commas and/or spaces; a first line
//            "image<TAB>hashtags" is a header and skipped;
//   - YFCC100M metadata (yfcc100m_dataset): 25 tab-separated fields (line number, photo id,
//            hash, ..., user tags at field 11, ..., marker 0 photo / 1 video) or the original
//            23 (photo id first, user tags at field 9); user tags are comma-separated and
//            URL-encoded ('+' = space, %XX = byte); the image key is the photo id; videos are
//            skipped and counted.
// Malformed lines are skipped and counted, and the first few are kept as "file:line: why".
// A reader reads a whole file or one part of it (common/data/input_parts.h: the lines that start
// in a byte range), so a preparation job can split a manifest between ranks without any of them
// reading every line. Memory is O(longest line). Not thread safe; one reader per file or part.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/data/input_parts.h"

namespace ptk::vision {

enum class ManifestFormat { kJsonl, kTsv, kYfcc100m };

// "jsonl", "tsv", "yfcc100m" -> format; anything else is a usage Error naming the choices.
ManifestFormat parse_manifest_format(const std::string& name);
const char* to_string(ManifestFormat format);
// From the file name: *.jsonl / *.json -> JSONL, *.tsv -> TSV, a name containing "yfcc100m"
// -> YFCC100M (checked first); otherwise a usage Error asking for an explicit format.
ManifestFormat detect_manifest_format(const std::string& path);

struct ManifestRecord {
  std::string image;                  // path or key, as written
  std::vector<std::string> hashtags;  // raw, not yet normalised
  uint64_t line = 0;  // 1-based line number in the manifest (in the part, when reading a part)
};

struct ManifestStats {
  uint64_t lines = 0;                           // lines read, blank and header lines included
  uint64_t records = 0;                         // records returned
  uint64_t malformed = 0;                       // lines skipped because they could not be parsed
  uint64_t videos = 0;                          // YFCC100M video lines skipped
  std::vector<std::string> malformed_examples;  // first kMaxExamples, "file:line: why"
  static constexpr size_t kMaxExamples = 10;
};

class ManifestReader {
 public:
  // Opens `path`; an Error naming the file when it cannot be opened.
  ManifestReader(const std::string& path, ManifestFormat format);
  ManifestReader(const std::string& path) : ManifestReader(path, detect_manifest_format(path)) {}
  // Reads the lines of one part; record lines count from the part's first line. Malformed-line
  // examples name the part when it does not start the file.
  ManifestReader(const data::InputPart& part, ManifestFormat format);

  // The next well-formed record; false at the end of the file. An I/O error while reading
  // is an Error naming the file and line.
  bool next(ManifestRecord& record);

  const ManifestStats& stats() const { return stats_; }
  const std::string& path() const { return path_; }
  ManifestFormat format() const { return format_; }

 private:
  // Fills `record` from one line; returns "" on success, else why the line is malformed.
  std::string parse_line(std::string_view line, ManifestRecord& record);
  std::string parse_jsonl(std::string_view line, ManifestRecord& record);
  std::string parse_tsv(std::string_view line, ManifestRecord& record);
  std::string parse_yfcc(std::string_view line, ManifestRecord& record, bool& is_video);

  // "file:line" for the whole file or the part that starts it; else names the part too.
  std::string where(uint64_t line) const;

  std::string path_;
  ManifestFormat format_;
  data::PartLineReader lines_;
  std::string line_;
  ManifestStats stats_;
};

// Decodes application/x-www-form-urlencoded text: '+' -> ' ', %XX -> the byte. A '%' not
// followed by two hex digits is kept as is.
std::string url_decode(std::string_view text);

}  // namespace ptk::vision
