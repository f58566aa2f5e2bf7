#include "common/base/parallel_for.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace ptk {

void parallel_for(int64_t n, int threads, const std::function<void(int64_t)>& body) {
  if (n <= 0) return;
  const int workers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  std::vector<std::exception_ptr> errors(workers);
  auto work = [&](int worker) {
    try {
      for (int64_t i = worker; i < n; i += workers) body(i);
    } catch (...) {
      errors[worker] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (int worker = 1; worker < workers; ++worker) pool.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace ptk
