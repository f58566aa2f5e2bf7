// Runs a binary's body and turns every escaping exception into one line on stderr,
// "ptk-<tool>: error: ...", and an exit code: 1 for runtime errors, 2 for usage errors.
// Before the body it sets up what every binary shares: SIGXFSZ ignored (a write over a size
// limit fails with an error naming the file) and malloc tuned for tensors (malloc_tuning.h).
#pragma once

#include <functional>
#include <string>

namespace ptk {

int run_main(const std::string& tool, const std::function<int()>& body);

}  // namespace ptk
