// Input parts: the unit of work of a data preparation job (DESIGN.md §5, "Preparing data at
// scale"). A part is a byte range of one input file, and holds the lines that START inside the
// range, so every line belongs to exactly one part and no reader of a part reads the lines of
// another (beyond the partial line it skips at its start). The plan depends only on the files'
// sizes and the number of parts asked for, never on ranks or threads; parts are dealt to ranks
// round-robin. A PartLineReader is not thread safe (one per part and thread).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace ptk::data {

struct InputPart {
  int64_t index = 0;   // position in the plan: the order of the output
  std::string file;    // the input file
  uint64_t begin = 0;  // bytes [begin, end) of `file`: the lines that start there
  uint64_t end = 0;
  uint64_t file_bytes = 0;  // the file's size when the plan was made

  // "part-00017": the stem of everything the part writes.
  std::string name() const;
  // "part 17 (manifest.jsonl, bytes 1048576-2097152)", for messages.
  std::string describe() const;
};

// Cuts `files` into about `parts` parts. With at least as many files as parts, each file is
// one part. Otherwise each file gets a share of the parts in proportion to its size (at least
// one, and no more than one per byte), cut into equal byte ranges. Parts are numbered in file
// order, then byte order. An empty file is one (empty) part. A file that cannot be sized is
// an Error naming it; parts < 1 is a usage_error.
std::vector<InputPart> plan_input_parts(const std::vector<std::string>& files, int64_t parts);

// The parts of `rank` among `world` ranks: every world-th part, starting at `rank`.
std::vector<InputPart> parts_of_rank(const std::vector<InputPart>& plan, int rank, int world);

// Reads the lines of one part: skips to the first line start at or after `begin` (the partial
// line before it belongs to the previous part) and stops after the last line that starts before
// `end`. Lines come without their '\n' (a trailing '\r' is kept: the formats decide).
class PartLineReader {
 public:
  // Opens the file; an Error naming it when it cannot be opened or read.
  explicit PartLineReader(const InputPart& part);

  // The next line; false at the end of the part. An I/O error is an Error naming the file.
  bool next(std::string& line);
  // 1-based number of the last line returned, counted from the part's first line.
  uint64_t line_in_part() const { return line_in_part_; }
  // Byte offset in the file where the last line returned starts (0: the file's first line).
  uint64_t line_offset() const { return line_offset_; }
  const InputPart& part() const { return part_; }

 private:
  InputPart part_;
  std::vector<char> buffer_;  // the stream's buffer: large reads, few system calls
  std::ifstream in_;
  uint64_t position_ = 0;  // file offset of the next unread byte
  uint64_t line_in_part_ = 0;
  uint64_t line_offset_ = 0;
  bool done_ = false;
};

}  // namespace ptk::data
