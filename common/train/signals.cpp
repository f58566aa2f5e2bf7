#include "common/train/signals.h"

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>

#include "common/base/error.h"

namespace ptk::train {
namespace {

// std::atomic<int> is lock-free on every platform we build for, which is what makes touching
// it from a signal handler defined behaviour.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal flag must be lock-free");

extern "C" void on_stop_signal(int signal_number) {
  g_stop_signal.store(signal_number, std::memory_order_relaxed);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a signal arriving during file or socket I/O must not make that I/O fail.
  action.sa_flags = SA_RESTART;
  for (int signal_number : {SIGTERM, SIGUSR1}) {
    if (sigaction(signal_number, &action, nullptr) != 0) {
      throw error("cannot install the handler for signal {}: {}", signal_number,
                  std::strerror(errno));
    }
  }
}

bool stop_requested() { return g_stop_signal.load(std::memory_order_relaxed) != 0; }

int stop_signal() { return g_stop_signal.load(std::memory_order_relaxed); }

void clear_stop_request() { g_stop_signal.store(0, std::memory_order_relaxed); }

}  // namespace ptk::train
