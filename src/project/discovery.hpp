#pragma once
// Finds the files of every node type under the paths dbt_project.yml configures.
#include <filesystem>
#include <string>
#include <vector>

#include "project/project_file.hpp"

namespace pond::project {

enum class FileKind {
  kModel,
  kPythonModel,
  kSeed,
  kSnapshot,
  kSingularTest,
  kMacro,
  kAnalysis,
  kSchema,
  kDocs
};

// One file to parse. Paths use '/' and are relative: `original_file_path` to the project root,
// `path` to the resource folder it was found in (models/, seeds/ ...).
struct ProjectSourceFile {
  FileKind kind = FileKind::kModel;
  std::string original_file_path;
  std::string path;
  std::filesystem::path absolute;
};

// Sorted by original_file_path. `.py` files under a model path are kPythonModel.
std::vector<ProjectSourceFile> discover_files(const ProjectFile& project);

}  // namespace pond::project
