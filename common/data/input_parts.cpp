#include "common/data/input_parts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/error.h"

namespace ptk::data {

std::string InputPart::name() const {
  char text[32];
  std::snprintf(text, sizeof(text), "part-%05lld", static_cast<long long>(index));
  return text;
}

std::string InputPart::describe() const {
  std::string text = fmt::format("part {} ({}", index, file);
  if (begin != 0 || end != file_bytes) {
    text += fmt::format(", bytes {}-{}", begin, end);
  }
  return text + ")";
}

std::vector<InputPart> plan_input_parts(const std::vector<std::string>& files, int64_t parts) {
  if (parts < 1) throw usage_error("the number of parts must be >= 1, got {}", parts);
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& file : files) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) throw error("cannot read the size of '{}': {}", file, ec.message());
    sizes.push_back(size);
    total += size;
  }
  const bool file_per_part = static_cast<int64_t>(files.size()) >= parts;
  std::vector<InputPart> plan;
  for (size_t f = 0; f < files.size(); ++f) {
    uint64_t cuts = 1;
    if (!file_per_part && total > 0) {
      // Proportional share, at least one part, at most one part per byte.
      const long double share =
          static_cast<long double>(parts) * static_cast<long double>(sizes[f]) / total;
      cuts = std::clamp<uint64_t>(static_cast<uint64_t>(share + 0.5L), 1,
                                  std::max<uint64_t>(sizes[f], 1));
    }
    for (uint64_t c = 0; c < cuts; ++c) {
      InputPart part;
      part.index = static_cast<int64_t>(plan.size());
      part.file = files[f];
      part.file_bytes = sizes[f];
      // In long double: a size times a part count can pass 2^64.
      part.begin = static_cast<uint64_t>(static_cast<long double>(sizes[f]) * c / cuts);
      part.end = c + 1 == cuts
                     ? sizes[f]
                     : static_cast<uint64_t>(static_cast<long double>(sizes[f]) * (c + 1) / cuts);
      plan.push_back(part);
    }
  }
  return plan;
}

std::vector<InputPart> parts_of_rank(const std::vector<InputPart>& plan, int rank, int world) {
  std::vector<InputPart> mine;
  for (size_t i = static_cast<size_t>(rank); i < plan.size(); i += static_cast<size_t>(world)) {
    mine.push_back(plan[i]);
  }
  return mine;
}

PartLineReader::PartLineReader(const InputPart& part) : part_(part), buffer_(1 << 20) {
  in_.rdbuf()->pubsetbuf(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  in_.open(part_.file, std::ios::binary);
  if (!in_) throw error("cannot open {}: {}", part_.file, std::strerror(errno));
  if (part_.begin == 0) return;
  // The line that straddles `begin` belongs to the previous part: start after its '\n'.
  in_.seekg(static_cast<std::streamoff>(part_.begin - 1));
  position_ = part_.begin - 1;
  char c = 0;
  while (in_.get(c)) {
    ++position_;
    if (c == '\n') return;
  }
  if (in_.bad()) throw error("read error in {} ({})", part_.file, part_.describe());
  done_ = true;  // no line starts in this part
}

bool PartLineReader::next(std::string& line) {
  if (done_ || position_ >= part_.end) return false;
  if (!std::getline(in_, line)) {
    if (in_.bad()) {
      throw error("read error in {} at byte {}", part_.file, position_);
    }
    done_ = true;
    return false;
  }
  line_offset_ = position_;
  position_ += line.size() + (in_.eof() ? 0 : 1);
  ++line_in_part_;
  return true;
}

}  // namespace ptk::data
