#pragma once
// A fixture for compile tests: a project written into a temporary folder, loaded with a fixed
// target (database "db", schema "main") and run_started_at, and rendered for parse.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compile/compiler.hpp"
#include "project/manifest.hpp"
#include "project/project_file.hpp"
#include "support/temp_dir.hpp"

namespace pond::compile {

class ProjectCompilerTest : public ::testing::Test {
 protected:
  // Loads the project in dir_; `hooks` answers execution-time calls (null: none).
  void compile_project(ExecutionHooks* hooks = nullptr) {
    project::LoadOptions o;
    o.target.database = "db";
    o.target.schema = "main";
    manifest_ = project::load_manifest(project::ProjectFile::load(dir_.path()), o);
    CompileOptions co;
    co.run_started_at = "2026-11-21T09:00:00.000000Z";
    co.hooks = hooks;
    compiler_ = std::make_unique<Compiler>(manifest_, co);
    compiler_->render_for_parse();
  }
  std::string inline_sql(const std::string& sql) { return compiler_->compile_inline(sql); }

  test::TempDir dir_;
  project::Manifest manifest_;
  std::unique_ptr<Compiler> compiler_;
};

}  // namespace pond::compile
