#include "text/tokenizers/tokenizer_process.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/child_process.h"
#include "common/base/error.h"

namespace ptk::text {

namespace fs = std::filesystem;

// A private folder under the system temp dir, removed with everything in it on scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "ptk-tokenize-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw error("cannot create a scratch folder in {}: {}", fs::temp_directory_path().string(),
                  std::strerror(errno));
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

namespace {

std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// One output row: ids separated by single spaces; an empty line is an empty row.
std::vector<int32_t> parse_ids(const std::string& line, const std::string& where) {
  std::vector<int32_t> ids;
  const char* p = line.c_str();
  while (*p != '\0') {
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(p, &end, 10);
    if (end == p || errno != 0 || value < 0 || value > INT32_MAX) {
      throw error("{}: not a token id list: '{}'", where, line.substr(0, 60));
    }
    ids.push_back(static_cast<int32_t>(value));
    p = end;
    while (*p == ' ') ++p;
  }
  return ids;
}

EncodedLines read_encoded(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error("{}: ptk-tokenize wrote no output", path);
  EncodedLines encoded;
  std::string line;
  bool trailer = false;
  while (std::getline(in, line)) {
    if (line.rfind("# replaced ", 0) == 0) {
      encoded.replaced = std::stoll(line.substr(11));
      trailer = true;
      continue;
    }
    encoded.ids.push_back(parse_ids(line, path));
  }
  // The trailer is written last: without it the child stopped early.
  fail_if(!trailer, "{}: ptk-tokenize output is incomplete (no trailer)", path);
  return encoded;
}

}  // namespace

bool is_wordpiece_path(const std::string& path) {
  std::error_code failure;
  if (fs::is_directory(path, failure)) {
    if (fs::is_regular_file(fs::path(path) / "vocab.txt", failure)) return true;
    throw error(
        "{}: folder holds no vocab.txt (expected a SentencePiece .model file, a WordPiece "
        "vocab.txt, or an HF BERT folder)",
        path);
  }
  const std::string extension = fs::path(path).extension().string();
  if (extension == ".model") return false;
  if (extension == ".txt") return true;
  throw error(
      "{}: unknown tokenizer file type (expected a SentencePiece .model file or a WordPiece "
      "vocab.txt)",
      path);
}

TokenizerProcess::TokenizerProcess(std::string tokenizer, std::string tool)
    : tokenizer_(std::move(tokenizer)), tool_(std::move(tool)) {
  if (!fs::exists(tokenizer_)) throw error("{}: tokenizer does not exist", tokenizer_);
  if (tool_.empty()) tool_ = sibling_binary("ptk-tokenize");
  if (::access(tool_.c_str(), X_OK) != 0) {
    throw error(
        "cannot run {} (the tokenizer runs in its own process; build or install ptk-tokenize "
        "next to this program)",
        tool_);
  }
}

void TokenizerProcess::run(const std::vector<std::string>& args) const {
  ScratchDir scratch;
  const std::string errors = scratch.file("stderr");
  std::vector<std::string> argv = {tool_};
  argv.insert(argv.end(), args.begin(), args.end());
  const ChildExit exit = run_child(argv, {"/dev/null", errors});
  if (exit.succeeded()) return;
  std::string message = last_line(errors);
  if (message.empty()) message = exit.describe();
  throw error("tokenizer {}: {}", tokenizer_, message);
}

TokenizerProcess::~TokenizerProcess() = default;

void TokenizerProcess::write_vocab(const std::string& out) const {
  run({"vocab", "tokenize.tokenizer=" + tokenizer_, "tokenize.output=" + out});
}

const std::string& TokenizerProcess::vocab_file() {
  if (vocab_file_.empty()) {
    scratch_ = std::make_unique<ScratchDir>();
    write_vocab(scratch_->file("vocab.tsv"));
    vocab_file_ = scratch_->file("vocab.tsv");
  }
  return vocab_file_;
}

EncodedLines TokenizerProcess::encode_file(const std::string& input) const {
  ScratchDir scratch;
  const std::string output = scratch.file("ids.txt");
  run({"encode", "tokenize.tokenizer=" + tokenizer_, "tokenize.input=" + input,
       "tokenize.output=" + output});
  return read_encoded(output);
}

EncodedLines TokenizerProcess::encode(const std::vector<std::string>& lines) const {
  ScratchDir scratch;
  const std::string input = scratch.file("lines.txt");
  {
    std::ofstream out(input, std::ios::binary);
    for (const std::string& line : lines) {
      if (line.find('\n') != std::string::npos) {
        throw error("TokenizerProcess::encode: a line holds a newline: '{}'", line.substr(0, 60));
      }
      out << line << '\n';
    }
    if (!out) throw error("{}: cannot write", input);
  }
  EncodedLines encoded = encode_file(input);
  if (encoded.ids.size() != lines.size()) {
    throw error("ptk-tokenize returned {} rows for {} lines", encoded.ids.size(), lines.size());
  }
  return encoded;
}

}  // namespace ptk::text
