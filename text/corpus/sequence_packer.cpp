#include "text/corpus/sequence_packer.h"

#include <string>

#include "common/base/error.h"
#include "common/data/philox.h"

namespace ptk::text {

void ClassicPackingOptions::validate() const {
  if (max_seq_length < 8) {
    throw usage_error("corpus.max_seq_length must be >= 8, got {}", max_seq_length);
  }
  if (!(short_seq_prob >= 0 && short_seq_prob <= 1)) {
    throw usage_error("corpus.short_seq_prob must be in [0, 1], got {:.6f}", short_seq_prob);
  }
  if (!(random_next_prob >= 0 && random_next_prob <= 1)) {
    throw usage_error("corpus.random_next_prob must be in [0, 1], got {:.6f}", random_next_prob);
  }
}

ClassicPacker::ClassicPacker(const std::vector<TokenizedDocument>& documents, PackingIds ids,
                             ClassicPackingOptions options)
    : documents_(documents), ids_(ids), options_(options) {
  options_.validate();
  if (documents_.size() < 2) {
    throw usage_error(
        "classic (NSP) packing needs at least two documents, got {}; separate documents by blank "
        "lines or use contiguous packing",
        documents_.size());
  }
}

namespace {

// Uniform integer in [low, high], both inclusive (Python's random.randint).
int64_t randint(data::SampleRng& rng, int64_t low, int64_t high) {
  return low + static_cast<int64_t>(rng.uniform_int(static_cast<uint64_t>(high - low + 1)));
}

void append(std::vector<int32_t>* to, const std::vector<int32_t>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

void truncate_pair(std::vector<int32_t>* a, std::vector<int32_t>* b, size_t max_tokens,
                   data::SampleRng& rng) {
  while (a->size() + b->size() > max_tokens) {
    auto* longer = a->size() > b->size() ? a : b;
    // Cutting at both ends avoids always dropping the same side of the text.
    if (rng.uniform_double() < 0.5) {
      longer->erase(longer->begin());
    } else {
      longer->pop_back();
    }
  }
}

}  // namespace

std::vector<data::TokenRecord> ClassicPacker::pack(size_t document_index, uint64_t pass) const {
  const auto& document = documents_.at(document_index);
  data::SampleRng rng(options_.seed, pass, document_index);
  const int64_t max_tokens = options_.max_seq_length - 3;
  int64_t target = max_tokens;
  if (rng.uniform_double() < options_.short_seq_prob) target = randint(rng, 2, max_tokens);

  std::vector<data::TokenRecord> records;
  std::vector<const std::vector<int32_t>*> chunk;
  int64_t chunk_tokens = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(document.size()); ++i) {
    chunk.push_back(&document[i]);
    chunk_tokens += static_cast<int64_t>(document[i].size());
    if (i + 1 < static_cast<int64_t>(document.size()) && chunk_tokens < target) continue;

    const int64_t a_end =
        chunk.size() >= 2 ? randint(rng, 1, static_cast<int64_t>(chunk.size()) - 1) : 1;
    std::vector<int32_t> a, b;
    for (int64_t j = 0; j < a_end; ++j) append(&a, *chunk[j]);
    bool random_next = false;
    if (chunk.size() == 1 || rng.uniform_double() < options_.random_next_prob) {
      random_next = true;
      const int64_t b_target = target - static_cast<int64_t>(a.size());
      // Uniform over the other documents.
      size_t other = rng.uniform_int(documents_.size() - 1);
      if (other >= document_index) ++other;
      const auto& random_doc = documents_[other];
      for (size_t j = rng.uniform_int(random_doc.size()); j < random_doc.size(); ++j) {
        append(&b, random_doc[j]);
        if (static_cast<int64_t>(b.size()) >= b_target) break;
      }
      // The chunk's sentences after A were not used: pack them again.
      i -= static_cast<int64_t>(chunk.size()) - a_end;
    } else {
      for (size_t j = a_end; j < chunk.size(); ++j) append(&b, *chunk[j]);
    }
    truncate_pair(&a, &b, static_cast<size_t>(max_tokens), rng);

    data::TokenRecord record;
    record.tokens.reserve(a.size() + b.size() + 3);
    record.tokens.push_back(ids_.cls);
    append(&record.tokens, a);
    record.tokens.push_back(ids_.sep);
    record.b_start = static_cast<int32_t>(record.tokens.size());
    append(&record.tokens, b);
    record.tokens.push_back(ids_.sep);
    record.nsp_label = random_next ? kRandomNext : kActualNext;
    records.push_back(std::move(record));

    chunk.clear();
    chunk_tokens = 0;
  }
  return records;
}

ContiguousPacker::ContiguousPacker(PackingIds ids, int32_t max_seq_length) : ids_(ids) {
  if (max_seq_length < 3) {
    throw usage_error("corpus.max_seq_length must be >= 3, got {}", max_seq_length);
  }
  budget_ = static_cast<size_t>(max_seq_length) - 2;
}

void ContiguousPacker::emit(std::vector<data::TokenRecord>* out) {
  // A document separator never ends a sequence: the [SEP] that closes it says the same.
  if (!current_.empty() && current_.back() == ids_.sep) current_.pop_back();
  if (current_.empty()) return;
  data::TokenRecord record;
  record.tokens.reserve(current_.size() + 2);
  record.tokens.push_back(ids_.cls);
  append(&record.tokens, current_);
  record.tokens.push_back(ids_.sep);
  record.b_start = -1;
  record.nsp_label = kNoNspLabel;
  out->push_back(std::move(record));
  current_.clear();
}

void ContiguousPacker::add(const TokenizedDocument& document, std::vector<data::TokenRecord>* out) {
  if (document.empty()) return;
  if (!current_.empty()) {
    if (current_.size() + 1 >= budget_) {
      emit(out);
    } else {
      current_.push_back(ids_.sep);
    }
  }
  for (const auto& sentence : document) {
    if (!current_.empty() && current_.size() + sentence.size() > budget_) emit(out);
    size_t pos = 0;
    // Only reached with an empty sequence: a sentence longer than a whole sequence.
    while (sentence.size() - pos > budget_) {
      current_.assign(sentence.begin() + static_cast<std::ptrdiff_t>(pos),
                      sentence.begin() + static_cast<std::ptrdiff_t>(pos + budget_));
      emit(out);
      pos += budget_;
    }
    current_.insert(current_.end(), sentence.begin() + static_cast<std::ptrdiff_t>(pos),
                    sentence.end());
  }
}

void ContiguousPacker::finish(std::vector<data::TokenRecord>* out) { emit(out); }

}  // namespace ptk::text
