#include "common/base/blas_threads.h"

#include <ATen/ATen.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

namespace ptk {
namespace {

// OpenBLAS's own count, as its get call reports it; -1 without OpenBLAS.
int openblas_threads() {
  using GetThreads = int (*)();
  const auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? -1 : get();
}

// This LibTorch multiplies through OpenBLAS (Debian's); the count set is the count it uses,
// whatever OMP_NUM_THREADS said when it started.
TEST(BlasThreads, SetsTheCountOpenBlasUses) {
  const at::Tensor product = at::mm(at::ones({64, 64}), at::ones({64, 64}));
  ASSERT_EQ(product[0][0].item<float>(), 64.0f);
  if (openblas_threads() < 0) GTEST_SKIP() << "LibTorch's BLAS here is not OpenBLAS";
  ASSERT_TRUE(set_blas_threads(1));
  EXPECT_EQ(openblas_threads(), 1);
  ASSERT_TRUE(set_blas_threads(2));
  EXPECT_EQ(openblas_threads(), 2);
  EXPECT_FALSE(set_blas_threads(0));
  EXPECT_EQ(openblas_threads(), 2);
}

}  // namespace
}  // namespace ptk
