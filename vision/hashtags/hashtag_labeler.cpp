#include "vision/hashtags/hashtag_labeler.h"

#include <algorithm>

#include <fmt/format.h>

namespace ptk::vision {

void LabelStats::add(const LabelStats& other) {
  images += other.images;
  images_without_class += other.images_without_class;
  hashtags += other.hashtags;
  invalid_utf8 += other.invalid_utf8;
  empty += other.empty;
  not_in_wordnet += other.not_in_wordnet;
  out_of_vocab += other.out_of_vocab;
  for (const auto& example : other.invalid_utf8_examples) {
    if (invalid_utf8_examples.size() < 10) invalid_utf8_examples.push_back(example);
  }
}

std::vector<std::pair<std::string, uint32_t>> HashtagLabeler::canonical_tags(
    const ManifestRecord& record, const std::string& source) {
  std::vector<std::pair<std::string, uint32_t>> tags;
  for (size_t i = 0; i < record.hashtags.size(); ++i) {
    ++stats_.hashtags;
    NormalizedHashtag normalized = normalizer_.normalize(record.hashtags[i]);
    if (normalized.status == HashtagStatus::kInvalidUtf8) {
      ++stats_.invalid_utf8;
      if (stats_.invalid_utf8_examples.size() < 10) {
        stats_.invalid_utf8_examples.push_back(
            fmt::format("{}:{}: hashtag {} of {} is not valid UTF-8; dropped", source, record.line,
                        i + 1, record.image));
      }
      continue;
    }
    if (normalized.status == HashtagStatus::kEmpty) {
      ++stats_.empty;
      continue;
    }
    auto match = canonicalizer_.canonicalize(normalized.text);
    if (!match) {
      ++stats_.not_in_wordnet;
      continue;
    }
    tags.emplace_back(std::move(normalized.text), match->synset);
  }
  return tags;
}

std::vector<int32_t> HashtagLabeler::labels(const ManifestRecord& record, const std::string& source,
                                            const HashtagVocab& vocab) {
  ++stats_.images;
  std::vector<int32_t> ids;
  for (const auto& tag : canonical_tags(record, source)) {
    if (auto id = vocab.class_of_synset(tag.second)) {
      ids.push_back(*id);
    } else {
      ++stats_.out_of_vocab;
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) ++stats_.images_without_class;
  return ids;
}

}  // namespace ptk::vision
