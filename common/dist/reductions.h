// Cross-rank reductions of scalars and metrics. Metrics travel as sums and counts, never as
// averages of averages, so the global mean is exact whatever each rank's share of the data.
// Every rank must call these in the same order (they are collectives).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/dist/process_group.h"

namespace ptk::dist {

struct SumCount {
  double sum = 0;
  double count = 0;
  double mean() const { return count > 0 ? sum / count : 0.0; }
};

// Element-wise sums across ranks. All ranks must pass the same keys; a rank with a different
// key set throws ptk::Error naming the mismatch (checked before reducing, so no rank hangs).
std::map<std::string, SumCount> reduce_sums(ProcessGroup& group,
                                            const std::map<std::string, SumCount>& local);

// True on every rank when every rank passed the same value (a fingerprint of a key list, a
// config hash, a module layout). Exact for all 64 bits.
bool all_ranks_equal(ProcessGroup& group, uint64_t value);

// Sum of `value` over ranks (in double precision).
double all_reduce_scalar_sum(ProcessGroup& group, double value);

// `text` as rank `root` holds it, on every rank (a serialised result, a list of file names).
// The other ranks' `text` is ignored.
std::string broadcast_text(ProcessGroup& group, const std::string& text, int root);

// True on every rank when `flag` is true on at least one (e.g. "a rank got SIGTERM: everybody
// checkpoints").
bool any_rank(ProcessGroup& group, bool flag);

}  // namespace ptk::dist
