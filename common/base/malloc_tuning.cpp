#include "common/base/malloc_tuning.h"

#include <malloc.h>

#include <cstring>

namespace ptk {

bool tune_malloc_for_tensors(const char* glibc_tunables) {
  if (glibc_tunables != nullptr && std::strstr(glibc_tunables, "glibc.malloc.") != nullptr) {
    return false;
  }
  constexpr int kMmapThreshold = 32 << 20;  // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
  constexpr int kTrimThreshold = 256 << 20;
  // Setting either also turns off glibc's own threshold adjustment, which only ever follows
  // the sizes freed so far.
  return mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 &&
         mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
}

}  // namespace ptk
