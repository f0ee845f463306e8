# Writes build_info.cpp with the version and git commit; leaves the file alone when nothing changed.
execute_process(COMMAND git -C ${SRC} rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
endif()
execute_process(COMMAND git -C ${SRC} status --porcelain --untracked-files=no
                OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT dirty STREQUAL "")
  set(commit "${commit}-dirty")
endif()
set(content "#include \"common/build_info.hpp\"\nnamespace pond {\n"
            "std::string_view pond_version() { return \"${VERSION}\"; }\n"
            "std::string_view pond_commit() { return \"${commit}\"; }\n"
            "std::string_view duckdb_expected_version() { return \"${DUCKDB_VERSION}\"; }\n}\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE ${OUT} "${content}")
endif()
