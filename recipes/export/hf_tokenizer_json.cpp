#include "recipes/export/hf_tokenizer_json.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/base64.h"
#include "text/tokenizers/wordpiece_tokenizer.h"

namespace ptk::recipes {
namespace {

using nlohmann::ordered_json;

ordered_json added_token(int32_t id, const std::string& content) {
  return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", true}};
}

ordered_json special(const std::string& token, int type_id) {
  return {{"SpecialToken", {{"id", token}, {"type_id", type_id}}}};
}

ordered_json sequence(const std::string& which, int type_id) {
  return {{"Sequence", {{"id", which}, {"type_id", type_id}}}};
}

// [CLS] A [SEP] for one text, [CLS] A [SEP] B [SEP] for a pair, B's part with type id 1.
ordered_json bert_template(const text::PretrainingVocab& vocab) {
  const std::string& cls = vocab.pieces.at(static_cast<size_t>(vocab.specials.cls));
  const std::string& sep = vocab.pieces.at(static_cast<size_t>(vocab.specials.sep));
  ordered_json specials = ordered_json::object();
  for (const auto& [token, id] : {std::pair{cls, vocab.specials.cls}, {sep, vocab.specials.sep}}) {
    specials[token] = {{"id", token}, {"ids", {id}}, {"tokens", {token}}};
  }
  return {{"type", "TemplateProcessing"},
          {"single", {special(cls, 0), sequence("A", 0), special(sep, 0)}},
          {"pair",
           {special(cls, 0), sequence("A", 0), special(sep, 0), sequence("B", 1), special(sep, 1)}},
          {"special_tokens", specials}};
}

ordered_json added_specials(const text::PretrainingVocab& vocab) {
  const text::SpecialIds& ids = vocab.specials;
  ordered_json added = ordered_json::array();
  for (const int32_t id : {ids.pad, ids.unk, ids.cls, ids.sep, ids.mask}) {
    added.push_back(added_token(id, vocab.pieces.at(static_cast<size_t>(id))));
  }
  return added;
}

// SentencePiece's normaliser: its character map, then its white space rules.
ordered_json sentencepiece_normalizer(const text::SentencePieceModelFile& model) {
  ordered_json steps = ordered_json::array();
  if (!model.precompiled_charsmap.empty()) {
    steps.push_back({{"type", "Precompiled"},
                     {"precompiled_charsmap", base64_encode(model.precompiled_charsmap)}});
  }
  if (model.remove_extra_whitespaces) {
    steps.push_back({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}});
    steps.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  }
  return {{"type", "Sequence"}, {"normalizers", steps}};
}

ordered_json metaspace(const text::SentencePieceModelFile& model) {
  return {{"type", "Metaspace"},
          {"replacement", "\u2581"},  // SentencePiece's space, in UTF-8
          {"add_prefix_space", model.add_dummy_prefix},
          {"prepend_scheme", model.add_dummy_prefix ? "always" : "never"},
          {"split", true}};
}

using Piece = text::SentencePieceModelFile::Piece;
using PieceType = text::SentencePieceModelFile::PieceType;

bool mergeable(const Piece& piece) {
  return piece.type == PieceType::kNormal || piece.type == PieceType::kUserDefined;
}

// The merges of a SentencePiece BPE model, which stores only its pieces: every split of a piece
// into two pieces is a merge, ranked by the merged piece's score (SentencePiece merges the
// best-scoring pair first), ties in id order of the halves, as HF's converter derives them.
ordered_json bpe_merges(const text::SentencePieceModelFile& model) {
  std::unordered_map<std::string, size_t> ids;
  for (size_t id = 0; id < model.pieces.size(); ++id) {
    if (mergeable(model.pieces[id])) ids.emplace(model.pieces[id].piece, id);
  }
  struct Merge {
    float score;
    size_t left, right;
  };
  std::vector<Merge> merges;
  for (const Piece& piece : model.pieces) {
    if (!mergeable(piece)) continue;
    for (size_t cut = 1; cut < piece.piece.size(); ++cut) {
      const auto left = ids.find(piece.piece.substr(0, cut));
      const auto right = ids.find(piece.piece.substr(cut));
      if (left != ids.end() && right != ids.end()) {
        merges.push_back({piece.score, left->second, right->second});
      }
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    return a.score != b.score ? a.score > b.score
                              : std::tie(a.left, a.right) < std::tie(b.left, b.right);
  });
  ordered_json out = ordered_json::array();
  for (const Merge& m : merges) {
    out.push_back(model.pieces[m.left].piece + " " + model.pieces[m.right].piece);
  }
  return out;
}

// The file: the specials as added tokens and the BERT template around the given pipeline.
ordered_json tokenizer_file(const text::PretrainingVocab& vocab, ordered_json normalizer,
                            ordered_json pre_tokenizer, ordered_json decoder, ordered_json model) {
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added_specials(vocab)},
          {"normalizer", std::move(normalizer)},
          {"pre_tokenizer", std::move(pre_tokenizer)},
          {"post_processor", bert_template(vocab)},
          {"decoder", std::move(decoder)},
          {"model", std::move(model)}};
}

}  // namespace

ordered_json bpe_tokenizer_json(const text::SentencePieceModelFile& model,
                                const text::PretrainingVocab& vocab) {
  ordered_json pieces = ordered_json::object();
  for (size_t id = 0; id < model.pieces.size(); ++id) pieces[model.pieces[id].piece] = id;
  return tokenizer_file(vocab, sentencepiece_normalizer(model), metaspace(model), metaspace(model),
                        {{"type", "BPE"},
                         {"dropout", nullptr},
                         {"unk_token", vocab.pieces.at(static_cast<size_t>(vocab.specials.unk))},
                         {"continuing_subword_prefix", nullptr},
                         {"end_of_word_suffix", nullptr},
                         {"fuse_unk", true},
                         {"byte_fallback", model.has_byte_pieces()},
                         {"vocab", pieces},
                         {"merges", bpe_merges(model)}});
}

ordered_json unigram_tokenizer_json(const text::SentencePieceModelFile& model,
                                    const text::PretrainingVocab& vocab) {
  ordered_json pieces = ordered_json::array();
  for (const text::SentencePieceModelFile::Piece& piece : model.pieces) {
    pieces.push_back({piece.piece, piece.score});
  }
  return tokenizer_file(vocab, sentencepiece_normalizer(model), metaspace(model), metaspace(model),
                        {{"type", "Unigram"},
                         {"unk_id", vocab.specials.unk},
                         {"vocab", pieces},
                         {"byte_fallback", model.has_byte_pieces()}});
}

ordered_json wordpiece_tokenizer_json(const text::PretrainingVocab& vocab, bool lowercase) {
  const text::SpecialIds& ids = vocab.specials;
  ordered_json pieces = ordered_json::object();
  for (size_t id = 0; id < vocab.pieces.size(); ++id) pieces[vocab.pieces[id]] = id;
  const ordered_json normalizer = {{"type", "BertNormalizer"},
                                   {"clean_text", true},
                                   {"handle_chinese_chars", true},
                                   {"strip_accents", nullptr},  // follows lowercase, as in BERT
                                   {"lowercase", lowercase}};
  return tokenizer_file(vocab, normalizer, {{"type", "BertPreTokenizer"}},
                        {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}},
                        {{"type", "WordPiece"},
                         {"unk_token", vocab.pieces.at(static_cast<size_t>(ids.unk))},
                         {"continuing_subword_prefix", "##"},
                         {"max_input_chars_per_word", text::WordPieceTokenizer::kMaxWordChars},
                         {"vocab", pieces}});
}

}  // namespace ptk::recipes
