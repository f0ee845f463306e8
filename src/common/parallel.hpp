#pragma once
#include <cstddef>
#include <functional>

namespace pond {

// Runs fn(i) for every i in [0, n) on up to `threads` threads (the caller's included); below
// `min_parallel` items everything runs on the caller's thread. Every item runs even when some
// throw; afterwards the error of the lowest failing index is rethrown.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                  std::size_t min_parallel = 2);

}  // namespace pond
