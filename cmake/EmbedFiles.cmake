# Writes OUT: a C++ table of {relative path, contents} for each of FILES (|-separated) under ROOT,
# returned by FUNCTION (declared in HEADER) in NAMESPACE as a std::vector<pond::EmbeddedFile>.
string(REPLACE "|" ";" FILES "${FILES}")
set(body "#include \"${HEADER}\"\nnamespace ${NAMESPACE} {\nconst std::vector<EmbeddedFile>& ${FUNCTION}() {\n  static const std::vector<EmbeddedFile> files = {\n")
foreach(f ${FILES})
  file(READ ${ROOT}/${f} content HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${content}")
  string(APPEND body "    {\"${f}\", std::string(\"${escaped}\", sizeof(\"${escaped}\") - 1)},\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n}  // namespace ${NAMESPACE}\n")
file(WRITE ${OUT} "${body}")
