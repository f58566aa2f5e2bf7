// Running one of this toolkit's own binaries as a child process: the way a LibTorch program
// reaches SentencePiece (ptk-bert runs ptk-bert-prepare, ptk-export and ptk-eval run
// ptk-tokenize; the process split, text/tokenizers/tokenizer_process.h). The child is killed when
// its parent dies, so a SIGKILLed rank leaves no child writing on behind a restarted job.
#pragma once

#include <string>
#include <vector>

namespace ptk {

// The binary `name` in the running program's folder (the build root and an install's bin/ hold
// all binaries together). Throws ptk::Error naming the path when it is not an executable file.
std::string sibling_binary(const std::string& name);

// Where a child's standard streams go: empty = this process's own.
struct ChildStreams {
  std::string stdout_file;  // truncated and written; "/dev/null" discards
  std::string stderr_file;
};

// How a child ended, from its wait status.
class ChildExit {
 public:
  explicit ChildExit(int wait_status) : status_(wait_status) {}
  bool succeeded() const;
  // The exit code, or -1 when a signal ended it.
  int exit_code() const;
  // "exit code 3" or "killed by signal 9".
  std::string describe() const;

 private:
  int status_;
};

// Runs argv[0] (a path) with `argv` and waits for it. Throws ptk::Error when it cannot start.
ChildExit run_child(const std::vector<std::string>& argv, const ChildStreams& streams = {});

}  // namespace ptk
