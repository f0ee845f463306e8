#include "common/parallel.hpp"

#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace pond {

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                  std::size_t min_parallel) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    if (n >= min_parallel)
      for (int t = 1; t < threads && static_cast<std::size_t>(t) < n; ++t) pool.emplace_back(worker);
    worker();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace pond
