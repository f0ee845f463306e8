#include "cli/app.hpp"

// jemalloc's start-up options (read by jemalloc when it is linked in, cmake/Allocator.cmake; an
// unused symbol otherwise). Transparent huge pages for its heap and metadata: a page fault costs
// microseconds on virtual machines, and reading a run store of 100,000 partition stretches took
// 40,000 of them with 4 KiB pages (half of `pond status`'s CPU time) against 4,000 with 2 MiB
// pages (bench/orchestrate/run (b)).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface
const char* malloc_conf = "thp:always,metadata_thp:always";
}

int main(int argc, char** argv) {
  return pond::cli::run_app(argc, argv);
}
