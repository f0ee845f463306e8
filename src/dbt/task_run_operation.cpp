// `pond run-operation MACRO --args YAML`: calls one macro with execute = true against the
// target, as dbt run-operation does: statements and run_query() in it run on the target, its
// return value is dropped, and run_results.json gets one result (unique_id macro.<pkg>.<name>).
// A failing macro prints "Encountered an error while running operation: ..." and exits 1.
#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "dbt/artifacts.hpp"
#include "dbt/run_session.hpp"
#include "dbt/tasks.hpp"
#include "project/dbt_version.hpp"
#include "project/vars.hpp"

namespace pond::dbt {

namespace {

// dbt's find_macro_by_name: the named package, else the root project, then the others.
const project::Macro* find_macro(const project::Manifest& m, const std::string& package,
                                 const std::string& name) {
  if (!package.empty()) return m.find_macro("macro." + package + "." + name);
  if (const auto* own = m.find_macro("macro." + m.project.name + "." + name)) return own;
  for (const auto& macro : m.macros)
    if (macro.name == name && macro.package_name != "dbt") return &macro;
  return m.find_macro("macro.dbt." + name);
}

// A Jinja string literal holding `text`.
std::string jinja_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

int run_operation_task(TaskContext& ctx, const RunOperationOptions& options,
                       [[maybe_unused]] std::ostream& out) {
  std::string package, name = options.macro;
  if (auto dot = name.find('.'); dot != std::string::npos) {
    package = name.substr(0, dot);
    name = name.substr(dot + 1);
  }
  nlohmann::json kwargs;
  try {
    kwargs = project::parse_cli_vars(options.args);  // read as dbt reads --args: YAML or JSON
  } catch (const UserError&) {
    kwargs = nullptr;
  }
  if (!kwargs.is_object())
    throw UserError("--args must be a YAML mapping of the macro's arguments, e.g. --args '{days: 7}'",
                    "got: " + options.args);

  RunSession session(ctx.options, SessionOptions{options.vars, "run-operation", false, false});
  LoadedProject& p = session.project();
  const project::Macro* macro = find_macro(p.manifest, package, name);
  if (!macro) {
    std::vector<std::string> names;
    for (const auto& m : p.manifest.macros) names.push_back(m.name);
    std::string guess = closest_match(name, names);
    throw UserError(
        "no macro named '" + options.macro + "'" + (package.empty() ? "" : " in package " + package),
        guess.empty() ? "pond ls does not list macros; look in the project's macro-paths"
                      : "did you mean '" + guess + "'?");
  }

  exec::StepInfo info;
  info.id = macro->unique_id;
  info.kind = "operation";
  info.description = "operation " + macro->name;
  exec::StepResult result;
  result.info = &info;
  result.index = 1;
  result.thread = 1;
  result.started_at = iso_utc_now();
  auto start = std::chrono::steady_clock::now();
  try {
    p.compiler->compile_inline("{% do " + macro->package_name + "." + macro->name + "(**fromjson(" +
                               jinja_string(kwargs.dump()) + ")) %}");
    result.outcome.status = exec::Status::kSuccess;
    result.outcome.message = "OK";
  } catch (const std::runtime_error& e) {  // UserError, EngineError; bugs (logic_error) propagate
    result.outcome.status = exec::Status::kError;
    result.outcome.message = e.what();
    result.outcome.failures = 1;
    log::error("Encountered an error while running operation: {}", e.what());
  }
  result.execution_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.completed_at = iso_utc_now();

  exec::RunOutcome outcome;
  outcome.elapsed = result.execution_time;
  outcome.results.push_back(result);
  nlohmann::json args{{"which", "run-operation"}, {"macro", options.macro}, {"args", options.args}};
  write_artifacts(session.target_dir(), outcome,
                  {random_uuid(), "", std::string(project::kDbtVersion), args.dump(), false});
  return result.outcome.status == exec::Status::kSuccess ? 0 : 1;
}

}  // namespace pond::dbt
