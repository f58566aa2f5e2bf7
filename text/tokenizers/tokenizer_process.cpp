#include "text/tokenizers/tokenizer_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/error.h"

extern char** environ;

namespace ptk::text {

namespace fs = std::filesystem;

// A private folder under the system temp dir, removed with everything in it on scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "ptk-tokenize-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error("cannot create a scratch folder in " + fs::temp_directory_path().string() + ": " +
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
      throw Error(where + ": not a token id list: '" + line.substr(0, 60) + "'");
    }
    ids.push_back(static_cast<int32_t>(value));
    p = end;
    while (*p == ' ') ++p;
  }
  return ids;
}

EncodedLines read_encoded(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": ptk-tokenize wrote no output");
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
  if (!trailer) throw Error(path + ": ptk-tokenize output is incomplete (no trailer)");
  return encoded;
}

}  // namespace

bool is_wordpiece_path(const std::string& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    if (fs::is_regular_file(fs::path(path) / "vocab.txt", error)) return true;
    throw Error(path +
                ": folder holds no vocab.txt (expected a SentencePiece .model file, a "
                "WordPiece vocab.txt, or an HF BERT folder)");
  }
  const std::string extension = fs::path(path).extension().string();
  if (extension == ".model") return false;
  if (extension == ".txt") return true;
  throw Error(path +
              ": unknown tokenizer file type (expected a SentencePiece .model file or a "
              "WordPiece vocab.txt)");
}

std::string tokenizer_tool_path() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw Error("cannot locate the running binary to find ptk-tokenize next to it");
  return (self.parent_path() / "ptk-tokenize").string();
}

TokenizerProcess::TokenizerProcess(std::string tokenizer, std::string tool)
    : tokenizer_(std::move(tokenizer)), tool_(std::move(tool)) {
  if (!fs::exists(tokenizer_)) throw Error(tokenizer_ + ": tokenizer does not exist");
  if (::access(tool_.c_str(), X_OK) != 0) {
    throw Error("cannot run " + tool_ +
                " (the tokenizer runs in its own process; build or install ptk-tokenize next "
                "to this program)");
  }
}

void TokenizerProcess::run(const std::vector<std::string>& args) const {
  ScratchDir scratch;
  const std::string errors = scratch.file("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_strings = {tool_};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, tool_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw Error("cannot run " + tool_ + ": " + std::strerror(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error("waiting for " + tool_ + ": " + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string message = last_line(errors);
  if (message.empty()) {
    message = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                  : "exit code " + std::to_string(WEXITSTATUS(status));
  }
  throw Error("tokenizer " + tokenizer_ + ": " + message);
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
        throw Error("TokenizerProcess::encode: a line holds a newline: '" + line.substr(0, 60) +
                    "'");
      }
      out << line << '\n';
    }
    if (!out) throw Error(input + ": cannot write");
  }
  EncodedLines encoded = encode_file(input);
  if (encoded.ids.size() != lines.size()) {
    throw Error("ptk-tokenize returned " + std::to_string(encoded.ids.size()) + " rows for " +
                std::to_string(lines.size()) + " lines");
  }
  return encoded;
}

}  // namespace ptk::text
