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
#include "common/config/option_table.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer.h"

namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string input;
  std::string output;
};

ptk::config::OptionTable<TokenizeOptions> tokenize_table() {
  using O = TokenizeOptions;
  ptk::config::OptionTable<O> t;
  t.add("tokenize.tokenizer", &O::tokenizer,
        "SentencePiece .model, WordPiece vocab.txt or HF folder",
        ptk::config::non_empty("is required"))
      .add("tokenize.input", &O::input, "encode: text file, one item a line")
      .add("tokenize.output", &O::output,
           "encode: ids file, one line of space-separated ids per input line, then "
           "'# replaced N'; vocab: the vocab.tsv to write",
           ptk::config::non_empty("is required"));
  return t;
}

void encode_file(const ptk::text::Tokenizer& tokenizer, const std::string& input,
                 const std::string& output) {
  std::ifstream in(input, std::ios::binary);
  if (!in) throw ptk::error("{}: cannot open", input);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out) throw ptk::error("{}: cannot create", output);
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
  if (in.bad()) throw ptk::error("{}: read error", input);
  out << "# replaced " << replaced << '\n';
  out.flush();
  if (!out) throw ptk::error("{}: write error (disk full?)", output);
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-tokenize", [&]() -> int {
    const ptk::config::CommandLine command_line =
        ptk::config::parse_command_line(argc, argv, {"encode", "vocab"});
    if (command_line.help || command_line.verb.empty()) {
      std::printf("usage: ptk-tokenize encode|vocab [key=value ...]\n\n%s",
                  tokenize_table().schema().help().c_str());
      return command_line.help ? 0 : 2;
    }
    const auto table = tokenize_table();
    const ptk::config::Config config =
        ptk::config::resolve_command_line(table.schema(), command_line);
    if (command_line.dump_config) return 0;
    const TokenizeOptions options = table.read(config);
    if (command_line.verb == "encode" && options.input.empty()) {
      throw ptk::usage_error("tokenize.input is required");
    }
    const auto tokenizer = ptk::text::load_tokenizer(options.tokenizer);
    if (command_line.verb == "vocab") {
      ptk::text::pretraining_vocab(*tokenizer).write(options.output);
    } else {
      encode_file(*tokenizer, options.input, options.output);
    }
    return 0;
  });
}
