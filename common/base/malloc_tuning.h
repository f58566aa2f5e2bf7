// glibc malloc settings for processes that allocate and free large tensors every step.
#pragma once

namespace ptk {

// A training step allocates and frees the same activation and gradient tensors every step.
// glibc serves blocks above its mmap threshold (128 KiB to start with) from fresh mmap pages
// and hands heap memory above 128 KiB back to the kernel, so each step page-faults and zeroes
// its tensor memory again. This raises the mmap threshold to glibc's maximum (32 MiB on 64-bit)
// and the trim threshold to 256 MiB, so freed tensor memory stays in the heap for the next step.
// Left alone (returns false) when `glibc_tunables` (the GLIBC_TUNABLES value, or nullptr)
// already sets a glibc.malloc tunable: the user's own choice wins.
bool tune_malloc_for_tensors(const char* glibc_tunables);

}  // namespace ptk
