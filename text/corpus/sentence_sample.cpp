#include "text/corpus/sentence_sample.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <tuple>

#include "common/base/error.h"
#include "common/base/trim.h"
#include "common/base/utf8_text.h"
#include "common/data/input_parts.h"
#include "common/data/philox.h"
#include "common/io/atomic_file.h"

namespace ptk::text {

bool SampledSentence::operator<(const SampledSentence& other) const {
  return std::tie(key, file, offset) < std::tie(other.key, other.file, other.offset);
}

uint64_t sentence_key(uint64_t seed, uint32_t file, uint64_t offset) {
  // A counter-based generator keyed by the seed: (file, offset) is the counter.
  return data::SampleRng(seed, file, offset).next_u64();
}

SentenceSample::SentenceSample(uint64_t capacity) : capacity_(capacity) {
  if (capacity_ < 1) throw usage_error("a sentence sample needs a capacity of at least 1");
}

bool SentenceSample::wanted(const SampledSentence& probe) const {
  return heap_.size() < capacity_ || probe < heap_.top();
}

void SentenceSample::offer(SampledSentence sentence) {
  if (!wanted(sentence)) return;
  heap_.push(std::move(sentence));
  if (heap_.size() > capacity_) heap_.pop();
}

uint64_t SentenceSample::offer_part(const data::InputPart& part, uint32_t file, uint64_t seed) {
  data::PartLineReader reader(part);
  std::string line;
  uint64_t offered = 0;
  SampledSentence probe;
  probe.file = file;
  while (reader.next(line)) {
    const std::string_view text = trim(line);
    if (text.empty() || find_utf8_defect(text)) continue;
    ++offered;
    probe.offset = reader.line_offset();
    probe.key = sentence_key(seed, file, probe.offset);
    // The text is copied only for the few lines that are kept.
    if (!wanted(probe)) continue;
    probe.text.assign(text);
    offer(probe);
  }
  return offered;
}

void SentenceSample::offer_saved(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  fail_if(!in, "cannot open the sentence sample '{}'", path);
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    SampledSentence sentence;
    int consumed = 0;
    unsigned file = 0;
    if (std::sscanf(line.c_str(), "%" SCNx64 "\t%u\t%" SCNu64 "\t%n", &sentence.key, &file,
                    &sentence.offset, &consumed) != 3 ||
        consumed == 0) {
      throw error("'{}' line {}: not a sentence sample line (<key>\\t<file>\\t<offset>\\t<text>)",
                  path, number);
    }
    sentence.file = file;
    sentence.text = line.substr(static_cast<size_t>(consumed));
    offer(std::move(sentence));
  }
  fail_if(in.bad(), "error reading the sentence sample '{}'", path);
}

std::vector<SampledSentence> SentenceSample::sorted() const {
  std::priority_queue<SampledSentence> heap = heap_;
  std::vector<SampledSentence> out(heap.size());
  for (size_t i = out.size(); i-- > 0; heap.pop()) out[i] = heap.top();
  return out;
}

namespace {

// Lines into an AtomicFile through a 1 MiB buffer (AtomicFile writes unbuffered).
class LineFile {
 public:
  explicit LineFile(const std::string& path) : file_(path) {}
  void append(std::string_view text) {
    buffer_ += text;
    if (buffer_.size() >= (1u << 20)) flush();
  }
  void commit() {
    flush();
    file_.commit();
  }

 private:
  void flush() {
    file_.write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  io::AtomicFile file_;
  std::string buffer_;
};

}  // namespace

void SentenceSample::save(const std::string& path) const {
  LineFile out(path);
  char prefix[64];
  for (const SampledSentence& sentence : sorted()) {
    const int n = std::snprintf(prefix, sizeof(prefix), "%016" PRIx64 "\t%u\t%" PRIu64 "\t",
                                sentence.key, sentence.file, sentence.offset);
    out.append(std::string_view(prefix, static_cast<size_t>(n)));
    out.append(sentence.text);
    out.append("\n");
  }
  out.commit();
}

void SentenceSample::save_text(const std::string& path) const {
  LineFile out(path);
  for (const SampledSentence& sentence : sorted()) {
    out.append(sentence.text);
    out.append("\n");
  }
  out.commit();
}

}  // namespace ptk::text
