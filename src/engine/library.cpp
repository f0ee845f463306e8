#include "engine/library.hpp"

#include <dlfcn.h>
#include <link.h>

#include <string_view>
#include <vector>

#include "common/build_info.hpp"
#include "engine/error.hpp"

namespace pond::engine {
namespace {

// The loaded library. It is never unloaded: DuckDB objects (and their threads) may live until
// the process exits, so closing it at static destruction would pull code from under them.
struct Library {
  std::string path;
  std::vector<void*> functions;
};

Library load() {
  // RTLD_LOCAL: DuckDB's symbols stay out of the global namespace, as with a normal link.
  // By name first (LD_LIBRARY_PATH, the executable's RUNPATH), then where the build found it:
  // under a sanitizer dlopen's caller is the sanitizer's runtime, whose RUNPATH is not ours.
  void* handle = dlopen("libduckdb.so", RTLD_NOW | RTLD_LOCAL);
  if (!handle) handle = dlopen(POND_DUCKDB_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw EngineError(std::string("cannot load DuckDB's library libduckdb.so: ") +
                      (why ? why : "unknown error") +
                      "\n  hint: run scripts/setup (it fetches DuckDB into third_party/duckdb) and rebuild, "
                      "or point LD_LIBRARY_PATH at the folder holding libduckdb.so");
  }
  Library lib;
  lib.functions.resize(static_cast<std::size_t>(detail::kDuckdbFunctionCount));
  for (int i = 0; i < detail::kDuckdbFunctionCount; ++i)
    lib.functions[static_cast<std::size_t>(i)] = dlsym(handle, detail::kDuckdbFunctionNames[i]);
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name) lib.path = map->l_name;
  return lib;
}

const Library& library() {
  // A function-local static: loaded once, thread-safe, read-only afterwards.
  static const Library lib = [] {
    Library l = load();
    const char* (*version_fn)() = nullptr;
    for (int i = 0; i < detail::kDuckdbFunctionCount; ++i)
      if (std::string_view(detail::kDuckdbFunctionNames[i]) == "duckdb_library_version")
        version_fn = reinterpret_cast<const char* (*)()>(l.functions[static_cast<std::size_t>(i)]);
    std::string loaded = version_fn ? version_fn() : "(unknown version)";
    if (loaded != duckdb_expected_version()) {
      throw EngineError("pond was built for DuckDB " + std::string(duckdb_expected_version()) +
                        " but loaded libduckdb " + loaded + " (" + l.path + ")" +
                        "\n  hint: run scripts/setup and rebuild");
    }
    return l;
  }();
  return lib;
}

}  // namespace

std::string library_path() {
  return library().path;
}

void* detail::duckdb_function(int index) {
  void* f = library().functions[static_cast<std::size_t>(index)];
  if (!f) {
    throw EngineError(std::string("the loaded DuckDB library has no function ") +
                      detail::kDuckdbFunctionNames[index] + " (" + library().path +
                      ")\n  hint: run scripts/setup and rebuild");
  }
  return f;
}

}  // namespace pond::engine
