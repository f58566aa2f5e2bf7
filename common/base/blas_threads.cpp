#include "common/base/blas_threads.h"

#include <dlfcn.h>

namespace ptk {

bool set_blas_threads(int threads) {
  // Looked up at run time: no link dependency on a particular BLAS.
  using SetThreads = void (*)(int);
  const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr || threads < 1) return false;
  set(threads);
  return true;
}

}  // namespace ptk
