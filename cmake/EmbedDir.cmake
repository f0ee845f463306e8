# Like EmbedFiles.cmake, for every file under ROOT as it is when the build runs (a folder another
# build step writes, e.g. the UI's Vite output): cmake -DROOT=... -DHEADER=... -DNAMESPACE=...
# -DFUNCTION=... -DOUT=... -P EmbedDir.cmake
file(GLOB_RECURSE found LIST_DIRECTORIES false RELATIVE ${ROOT} ${ROOT}/*)
list(FILTER found EXCLUDE REGEX "(^|/)\\.")
list(SORT found)
string(REPLACE ";" "|" FILES "${found}")
include(${CMAKE_CURRENT_LIST_DIR}/EmbedFiles.cmake)
