#include "text/tokenizers/pretraining_vocab.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/error.h"
#include "common/data/shard_format.h"

namespace ptk::text {

MaskingVocab PretrainingVocab::masking_vocab() const {
  MaskingVocab vocab;
  vocab.vocab_size = size();
  vocab.mask_id = specials.mask;
  vocab.special_ids = {specials.pad, specials.unk, specials.cls, specials.sep, specials.mask};
  vocab.is_word_start = [this](int32_t id) {
    return id >= 0 && static_cast<size_t>(id) < word_start.size() && word_start[id] != 0;
  };
  vocab.validate();
  return vocab;
}

void PretrainingVocab::write(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << "# tokenizer_hash " << tokenizer_hash << " pad " << specials.pad << " unk "
        << specials.unk << " cls " << specials.cls << " sep " << specials.sep << " mask "
        << specials.mask << "\n";
    for (size_t id = 0; id < pieces.size(); ++id) {
      out << id << '\t' << int(word_start[id]) << '\t' << pieces[id] << '\n';
    }
    fail_if(!out, "cannot write {}", tmp);
  }
  std::filesystem::rename(tmp, path);
}

PretrainingVocab PretrainingVocab::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  fail_if(!in, "cannot read {} (written by ptk-bert prepare beside the shards)", path);
  PretrainingVocab vocab;
  std::string line;
  std::getline(in, line);
  {
    std::istringstream header(line);
    std::string hash, pad, unk, cls, sep, mask;
    if (!(header >> hash >> hash >> vocab.tokenizer_hash >> pad >> vocab.specials.pad >> unk >>
          vocab.specials.unk >> cls >> vocab.specials.cls >> sep >> vocab.specials.sep >> mask >>
          vocab.specials.mask) ||
        hash != "tokenizer_hash") {
      throw error("{}:1: bad header '{}'", path, line);
    }
  }
  int64_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    const size_t tab1 = line.find('\t');
    const size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos || line.substr(0, tab1) != std::to_string(vocab.pieces.size()) ||
        (line[tab1 + 1] != '0' && line[tab1 + 1] != '1') || tab2 != tab1 + 2) {
      throw error("{}:{}: expected '{}\\t<0|1>\\t<piece>'", path, line_number, vocab.pieces.size());
    }
    vocab.word_start.push_back(line[tab1 + 1] == '1' ? 1 : 0);
    vocab.pieces.push_back(line.substr(tab2 + 1));
  }
  try {
    vocab.masking_vocab();
  } catch (const Error& e) {
    throw error("{}: {}", path, e.what());
  }
  return vocab;
}

PretrainingVocab pretraining_vocab(const Tokenizer& tokenizer) {
  PretrainingVocab vocab;
  vocab.specials = tokenizer.special_ids();
  vocab.tokenizer_hash = data::hex64(tokenizer.content_hash());
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    std::string piece = tokenizer.token_of(id);
    for (char& c : piece) {
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';  // keep the TSV one line per id
    }
    vocab.pieces.push_back(piece);
    vocab.word_start.push_back(tokenizer.is_word_start(id) ? 1 : 0);
  }
  return vocab;
}

}  // namespace ptk::text
