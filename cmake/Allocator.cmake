# pond_use_fast_allocator(target): links jemalloc (Debian's libjemalloc-dev) into an executable,
# replacing glibc malloc for the whole process, DuckDB included. pond allocates many small,
# short-lived strings and nodes (templates, manifests, run steps); glibc's allocator showed up as
# ~20% of parse time and jemalloc cut bench/parse's 10k-model parse by ~30%. Sanitizer builds keep
# the sanitizer's own allocator.
option(POND_JEMALLOC "Link executables with jemalloc" ON)
if(POND_JEMALLOC AND NOT POND_SANITIZE)
  find_library(POND_JEMALLOC_LIBRARY NAMES jemalloc REQUIRED)
endif()

function(pond_use_fast_allocator target)
  if(POND_JEMALLOC AND NOT POND_SANITIZE)
    target_link_libraries(${target} PRIVATE ${POND_JEMALLOC_LIBRARY})
  endif()
endfunction()
