// SentenceSample: a bounded, reproducible, uniform sample without replacement of the sentences
// (non-blank lines) of a corpus, to train a tokenizer on a corpus too large to read whole. Every
// line gets a random key from (seed, file index, byte offset of the line), a pure function of the
// input, and the sample is the `capacity` lines with the smallest keys. The smallest keys of a
// union are among the smallest keys of its pieces, so the parts of a corpus are sampled on their
// own (by any rank or thread, in any order) and merged into the same sample for any number of
// parts, ranks or threads. Memory: `capacity` lines. Not thread safe (one sample per thread).
#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <vector>

namespace ptk::data {
struct InputPart;
}

namespace ptk::text {

struct SampledSentence {
  uint64_t key = 0;
  uint32_t file = 0;    // index of the file in the list of inputs
  uint64_t offset = 0;  // byte offset of the line in that file
  std::string text;     // the line, trimmed
  // Key, then file, then offset: a total order, since a line has one (file, offset).
  bool operator<(const SampledSentence& other) const;
};

// The random key of the line at byte `offset` of input file number `file`.
uint64_t sentence_key(uint64_t seed, uint32_t file, uint64_t offset);

class SentenceSample {
 public:
  // capacity < 1 is a usage_error.
  explicit SentenceSample(uint64_t capacity);

  // Keeps the sentence when it is among the `capacity` smallest offered so far.
  void offer(SampledSentence sentence);
  // Offers every line of `part` (input file number `file`) that is not blank and is valid
  // UTF-8, as sentence_per_line input defines a sentence; returns how many lines it offered.
  uint64_t offer_part(const data::InputPart& part, uint32_t file, uint64_t seed);
  // Offers every line of a file written by save(); a malformed line is an Error naming the file
  // and the line number.
  void offer_saved(const std::string& path);

  uint64_t size() const { return heap_.size(); }
  // The sample, smallest key first.
  std::vector<SampledSentence> sorted() const;
  // Writes sorted() as "<key hex>\t<file>\t<offset>\t<text>" lines, atomically.
  void save(const std::string& path) const;
  // Writes the sentences alone, one per line, smallest key first: a tokenizer trainer's input.
  void save_text(const std::string& path) const;

 private:
  bool wanted(const SampledSentence& probe) const;

  uint64_t capacity_;
  std::priority_queue<SampledSentence> heap_;  // the largest kept sentence on top
};

}  // namespace ptk::text
