// The thread count of the BLAS under LibTorch's matrix products.
#pragma once

namespace ptk {

// at::set_num_threads sets OpenMP's thread count, not that of OpenBLAS (Debian's LibTorch
// BLAS), which keeps its own pool sized by OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or the core
// count. A run's products then depend on how it was launched: torchrun sets OMP_NUM_THREADS=1
// for its workers, so OpenBLAS runs single-threaded whatever train.threads says, and a float
// product split over another number of threads can round differently. Callers set this with
// the same count as at::set_num_threads. Returns false when the loaded BLAS has no such call
// (MKL, a CUDA-only build), where it does nothing.
bool set_blas_threads(int threads);

}  // namespace ptk
