#pragma once
// What every command gets: the dbt task layer's context (global options, cancellation).
#include "dbt/options.hpp"
#include "dbt/target.hpp"

namespace pond::cli {

using dbt::ExecOptions;
using dbt::GlobalOptions;
using dbt::lake_config;
using dbt::open_target_database;
using dbt::resolve_project;
using dbt::ResolvedProject;
using dbt::SelectionFlags;
using CommandContext = dbt::TaskContext;

}  // namespace pond::cli
