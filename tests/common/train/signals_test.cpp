// SIGTERM / SIGUSR1 become a stop request the training loop polls, instead of killing the
// process.
#include "common/train/signals.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ptk::train {
namespace {

TEST(StopSignals, SigtermAndSigusr1RequestAStopInsteadOfKilling) {
  install_stop_signal_handlers();
  for (int signal_number : {SIGTERM, SIGUSR1}) {
    clear_stop_request();
    EXPECT_FALSE(stop_requested());
    ASSERT_EQ(std::raise(signal_number), 0);  // the process survives: we get here
    EXPECT_TRUE(stop_requested());
    EXPECT_EQ(stop_signal(), signal_number);
  }
  clear_stop_request();
  EXPECT_FALSE(stop_requested());
  EXPECT_EQ(stop_signal(), 0);
}

}  // namespace
}  // namespace ptk::train
