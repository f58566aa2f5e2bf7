#include "common/base/malloc_tuning.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace ptk {
namespace {

// Whether glibc served a fresh block of `bytes` by mmap (counted in hblks) or from the heap.
bool served_by_mmap(size_t bytes) {
  const size_t before = mallinfo2().hblks;
  void* block = std::malloc(bytes);
  EXPECT_NE(block, nullptr);
  std::memset(block, 1, bytes);
  const bool mapped = mallinfo2().hblks > before;
  std::free(block);
  return mapped;
}

TEST(MallocTuning, TensorSizedBlocksComeFromTheHeapUpTo32MiB) {
  ASSERT_TRUE(tune_malloc_for_tensors(nullptr));
  // An 8 MiB tensor: mmapped by untuned glibc (threshold 128 KiB), reused heap memory here.
  EXPECT_FALSE(served_by_mmap(8u << 20));
  EXPECT_FALSE(served_by_mmap(8u << 20));
  // Above glibc's largest threshold blocks are still mapped (and returned) one by one.
  EXPECT_TRUE(served_by_mmap(64u << 20));
}

TEST(MallocTuning, UsersOwnGlibcMallocTunablesWin) {
  EXPECT_FALSE(tune_malloc_for_tensors("glibc.malloc.mmap_threshold=65536"));
  EXPECT_FALSE(tune_malloc_for_tensors("glibc.rtld.nns=2:glibc.malloc.arena_max=1"));
  EXPECT_TRUE(tune_malloc_for_tensors("glibc.rtld.nns=2"));
  EXPECT_TRUE(tune_malloc_for_tensors(""));
}

}  // namespace
}  // namespace ptk
