#include "common/base/main_guard.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/base/error.h"
#include "common/base/malloc_tuning.h"

namespace ptk {

int run_main(const std::string& tool, const std::function<int()>& body) {
  // A write past RLIMIT_FSIZE (a quota, `ulimit -f`) raises SIGXFSZ, whose default action kills
  // the process without a word. Ignored, the write fails with EFBIG instead, and the writer
  // reports which file could not be written.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGXFSZ, &ignore, nullptr);
  // Every binary here is a tensor workload (training, evaluation, export) or a bench of one.
  tune_malloc_for_tensors(std::getenv("GLIBC_TUNABLES"));
  try {
    return body();
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool.c_str(), e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    // LibTorch (c10::Error) and the standard library report through std::exception; their
    // messages can span lines, so keep only the first one for the summary line.
    std::string message = e.what();
    auto newline = message.find('\n');
    if (newline != std::string::npos) message.resize(newline);
    std::fprintf(stderr, "%s: error: %s\n", tool.c_str(), message.c_str());
    return 1;
  }
}

}  // namespace ptk
