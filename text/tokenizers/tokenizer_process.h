// A tokenizer run in its own process, for programs that hold LibTorch. The child is
// `ptk-tokenize` (recipes/tokenize/ptk_tokenize_main.cpp), started by run_child
// (common/base/child_process.h) as ptk-bert starts ptk-bert-prepare; this side links neither
// SentencePiece nor LibTorch. Files go through a scratch folder. Each call starts one child;
// calls may run from several threads at once.
//
// The process split, which the rest of the tree refers to in one line. Debian's libsentencepiece
// carries its own copy of the protobuf runtime and exports its symbols, while LibTorch uses the
// system protobuf; both register protobuf descriptors when they are loaded, and a process that
// loads both dies at start. So no binary loads both:
//  - SentencePiece work (training a tokenizer, encoding text) runs in torch-free binaries:
//    ptk-bert-prepare (the stages of `ptk-bert prepare`, which ptk-bert runs as children) and
//    ptk-tokenize (run through TokenizerProcess by ptk-export and ptk-eval);
//  - what training, GLUE and export need of a tokenizer is its vocab.tsv (pretraining_vocab.h),
//    read without a tokenizer library;
//  - libraries stay torch-free or SentencePiece-free where a binary of the other side links
//    them, and the build links with --as-needed (CMakeLists.txt), so that a library a program
//    lists but does not use is not loaded.
// ProcessSplit.NoBinaryLoadsBothLibTorchAndSentencePiece (tests/cmake/process_split_test.cmake)
// checks every binary with ldd.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ptk::text {

// True for a WordPiece vocabulary (a vocab.txt or a folder holding one), false for a
// SentencePiece .model file, by the same rule load_tokenizer uses. Throws ptk::Error naming
// `path` when it is neither.
bool is_wordpiece_path(const std::string& path);

struct EncodedLines {
  std::vector<std::vector<int32_t>> ids;  // one row per input line, no special tokens
  int64_t replaced = 0;                   // ill-formed UTF-8 subparts encoded as U+FFFD
};

class ScratchDir;

class TokenizerProcess {
 public:
  // `tokenizer` = a .model file, vocab.txt or folder; `tool` = the ptk-tokenize binary, by
  // default the one next to the running program (common/base/child_process.h).
  explicit TokenizerProcess(std::string tokenizer, std::string tool = "");

  ~TokenizerProcess();

  // Writes the tokenizer's vocab.tsv (text::PretrainingVocab format: every piece, word starts,
  // the five specials, the content hash) to `out`.
  void write_vocab(const std::string& out) const;
  // The same, written once into this object's scratch folder; the path stays valid while the
  // object lives. Not thread-safe (the other calls are).
  const std::string& vocab_file();

  // Encodes every line of the text file `input` (a trailing '\r' dropped), leniently: invalid
  // UTF-8 is replaced and counted, never fatal. Rows are in line order.
  EncodedLines encode_file(const std::string& input) const;
  // The same for strings in memory (each must hold no '\n').
  EncodedLines encode(const std::vector<std::string>& lines) const;

 private:
  // Runs the tool with `args`; throws ptk::Error with the child's last error line on failure.
  void run(const std::vector<std::string>& args) const;

  std::string tokenizer_;
  std::string tool_;
  std::unique_ptr<ScratchDir> scratch_;  // holds vocab_file()
  std::string vocab_file_;
};

}  // namespace ptk::text
