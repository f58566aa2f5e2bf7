// A loop spread over a few threads for batch preparation (decoding a batch of images): the
// calling thread works too, indices are dealt round-robin, and the first exception any thread
// threw is rethrown once all have stopped, with its type (a ptk::Error stays one).
#pragma once

#include <cstdint>
#include <functional>

namespace ptk {

// Calls body(i) for every i in [0, n) on min(threads, n) threads (at least one).
void parallel_for(int64_t n, int threads, const std::function<void(int64_t)>& body);

}  // namespace ptk
