// Graceful stop on SIGTERM / SIGUSR1 (what Slurm and other schedulers send before preemption):
// the handler only records the signal in a lock-free atomic (async-signal-safe); the Trainer
// polls stop_requested() once per step, agrees with the other ranks, checkpoints and returns.
#pragma once

namespace ptk::train {

// Installs the handlers for SIGTERM and SIGUSR1 (idempotent). Other signals are untouched.
void install_stop_signal_handlers();

// True once SIGTERM or SIGUSR1 arrived after install_stop_signal_handlers().
bool stop_requested();

// The signal that requested the stop (SIGTERM or SIGUSR1), 0 when none.
int stop_signal();

// Forgets a received signal (for a process that trains more than once, and for tests).
void clear_stop_request();

}  // namespace ptk::train
