// ptk-tokenize: a tokenizer in a process of its own, for the LibTorch programs (ptk-export,
// ptk-eval; the process split: text/tokenizers/tokenizer_process.h).
//   ptk-tokenize encode tokenize.tokenizer=PATH tokenize.input=TEXT tokenize.output=IDS
//   ptk-tokenize vocab  tokenize.tokenizer=PATH tokenize.output=VOCAB_TSV
#include <cstdio>
#include <fstream>
#include <string>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer.h"

namespace {

ptk::config::Schema tokenize_schema() {
  ptk::config::Schema s;
  s.add("tokenize.tokenizer", "", "SentencePiece .model, WordPiece vocab.txt or HF folder")
      .add("tokenize.input", "", "encode: text file, one item a line")
      .add("tokenize.output", "",
           "encode: ids file, one line of space-separated ids per input line, then "
           "'# replaced N'; vocab: the vocab.tsv to write");
  return s;
}

const std::string& require(const ptk::config::Config& config, const std::string& key) {
  const std::string& value = config.get_string(key);
  if (value.empty()) throw ptk::usage_error(key + " is required");
  return value;
}

void encode_file(const ptk::text::Tokenizer& tokenizer, const std::string& input,
                 const std::string& output) {
  std::ifstream in(input, std::ios::binary);
  if (!in) throw ptk::Error(input + ": cannot open");
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out) throw ptk::Error(output + ": cannot create");
  int64_t replaced = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<int32_t> ids = tokenizer.encode_lenient(line, &replaced);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) out << ' ';
      out << ids[i];
    }
    out << '\n';
  }
  if (in.bad()) throw ptk::Error(input + ": read error");
  out << "# replaced " << replaced << '\n';
  out.flush();
  if (!out) throw ptk::Error(output + ": write error (disk full?)");
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-tokenize", [&]() -> int {
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, {"encode", "vocab"});
    if (command_line.help || command_line.verb.empty()) {
      std::printf("usage: ptk-tokenize encode|vocab [key=value ...]\n\n%s",
                  tokenize_schema().help().c_str());
      return command_line.help ? 0 : 2;
    }
    const ptk::config::Config config =
        ptk::config::resolve_command_line(tokenize_schema(), command_line);
    if (command_line.dump_config) return 0;
    const auto tokenizer = ptk::text::load_tokenizer(require(config, "tokenize.tokenizer"));
    const std::string& output = require(config, "tokenize.output");
    if (command_line.verb == "vocab") {
      ptk::text::pretraining_vocab(*tokenizer).write(output);
    } else {
      encode_file(*tokenizer, require(config, "tokenize.input"), output);
    }
    return 0;
  });
}
