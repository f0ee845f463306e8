#include "dbt/plan.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "common/error.hpp"
#include "dbt/node_steps.hpp"
#include "dbt/unit_test_plan.hpp"
#include "materialize/microbatch_window.hpp"
#include "materialize/relation.hpp"
#include "materialize/session.hpp"

namespace pond::dbt {

namespace mz = materialize;
using nlohmann::json;
using project::Node;
using project::ResourceType;

// ---- specs from configs -----------------------------------------------------------------

namespace {

std::string str(const Node& n, std::string_view key, std::string fallback = "") {
  const json* v = n.config_value(key);
  if (!v || v->is_null()) return fallback;
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

std::vector<std::string> str_list(const Node& n, std::string_view key) {
  std::vector<std::string> out;
  const json* v = n.config_value(key);
  if (!v || v->is_null()) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
  } else if (v->is_array()) {
    for (const auto& e : *v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<bool> opt_bool(const Node& n, std::string_view key) {
  const json* v = n.config_value(key);
  if (v && v->is_boolean()) return v->get<bool>();
  return std::nullopt;
}

mz::Relation relation_of(const Node& n) {
  return {n.database, n.schema, n.alias.empty() ? n.name : n.alias};
}

bool has_jinja(const std::string& s) {
  return s.find("{{") != std::string::npos || s.find("{%") != std::string::npos;
}

// pre-hook/post-hook configs. Jinja in them is rendered when the hook runs, as dbt does, on the
// step's session, with `this` the node's Relation.
std::vector<mz::Hook> hooks(const Node& n, const char* key, const PlanInput& in) {
  std::vector<mz::Hook> out;
  const json* v = n.config_value(key);
  if (!v || !v->is_array()) return out;
  for (const auto& h : *v) {
    mz::Hook hook;
    hook.sql = h.value("sql", std::string());
    hook.transaction = h.value("transaction", true);
    if (has_jinja(hook.sql) && in.render_hook) {
      std::size_t index = static_cast<std::size_t>(&n - in.manifest.nodes.data());
      hook.render = [render = in.render_hook, index, sql = hook.sql](mz::Session& s) {
        return render(index, sql, s.connection());
      };
    }
    if (!hook.sql.empty()) out.push_back(std::move(hook));
  }
  return out;
}

// Whether the model's Jinja uses `this` ({{ this }}, {% if this ... %}): dbt then runs its
// batches one after another unless concurrent_batches says otherwise.
bool mentions_this(const std::string& raw) {
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::size_t pos = 0;
  while ((pos = raw.find('{', pos)) != std::string::npos) {
    if (pos + 1 >= raw.size() || (raw[pos + 1] != '{' && raw[pos + 1] != '%')) {
      ++pos;
      continue;
    }
    std::size_t end = raw.find(raw[pos + 1] == '{' ? "}}" : "%}", pos + 2);
    if (end == std::string::npos) end = raw.size();
    for (std::size_t k = raw.find("this", pos + 2); k != std::string::npos && k < end;
         k = raw.find("this", k + 4)) {
      if (!ident(raw[k - 1]) && (k + 4 >= raw.size() || !ident(raw[k + 4]))) return true;
    }
    pos = end;
  }
  return false;
}

mz::ModelSpec model_spec(const Node& n, const PlanInput& in) {
  mz::ModelSpec s;
  s.unique_id = n.unique_id;
  s.relation = relation_of(n);
  s.materialized = mz::parse_materialized(n.materialized());
  s.compiled_sql = n.compiled_code;
  s.unique_key = str_list(n, "unique_key");
  std::string strategy = str(n, "incremental_strategy");
  if (!strategy.empty()) s.strategy = mz::parse_incremental_strategy(strategy);
  s.on_schema_change = mz::parse_on_schema_change(str(n, "on_schema_change", "ignore"));
  s.incremental_predicates = str_list(n, "incremental_predicates");
  s.merge_update_columns = str_list(n, "merge_update_columns");
  s.merge_exclude_columns = str_list(n, "merge_exclude_columns");
  s.full_refresh = opt_bool(n, "full_refresh");
  s.microbatch.event_time = str(n, "event_time");
  std::string batch = str(n, "batch_size");
  if (!batch.empty()) s.microbatch.batch_size = mz::parse_batch_size(batch);
  std::string begin = str(n, "begin");
  if (!begin.empty()) s.microbatch.begin = begin;
  if (const json* lb = n.config_value("lookback"); lb && lb->is_number_integer())
    s.microbatch.lookback = lb->get<int>();
  s.microbatch.concurrent_batches = opt_bool(n, "concurrent_batches");
  s.microbatch.references_this = mentions_this(n.raw_code);
  if (in.retry_batches) {
    auto it = in.retry_batches->find(n.unique_id);
    if (it != in.retry_batches->end()) s.microbatch.retry_batches = it->second;
  }
  if (s.strategy == mz::IncrementalStrategy::kMicrobatch && in.render_batch && s.microbatch.batch_size) {
    std::size_t index = static_cast<std::size_t>(&n - in.manifest.nodes.data());
    mz::BatchSize size = *s.microbatch.batch_size;
    s.batch_sql = [render = in.render_batch, index, size](const mz::BatchWindow& w) {
      return render(index, w, mz::batch_id(w, size));
    };
  }
  s.external.location = str(n, "location");
  s.external.format = str(n, "format");
  s.external.partition_by = str_list(n, "partition_by");
  s.external.external_root = str(n, "external_root");
  s.pre_hooks = hooks(n, "pre-hook", in);
  s.post_hooks = hooks(n, "post-hook", in);
  if (const json* pd = n.config_value("persist_docs"); pd && pd->is_object()) {
    s.docs.persist_relation = pd->value("relation", false);
    s.docs.persist_columns = pd->value("columns", false);
  }
  s.docs.description = n.description;
  for (const auto& c : n.columns)
    if (!c.description.empty()) s.docs.column_descriptions[c.name] = c.description;
  return s;
}

mz::SeedSpec seed_spec(const Node& n, const PlanInput& in) {
  mz::SeedSpec s;
  s.unique_id = n.unique_id;
  s.relation = relation_of(n);
  s.csv_path = (in.manifest.root_of(n.package_name) / n.original_file_path).string();
  if (const json* ct = n.config_value("column_types"); ct && ct->is_object())
    for (const auto& [k, v] : ct->items())
      if (v.is_string()) s.column_types[k] = v.get<std::string>();
  s.delimiter = str(n, "delimiter", ",");
  s.full_refresh = opt_bool(n, "full_refresh");
  s.pre_hooks = hooks(n, "pre-hook", in);
  s.post_hooks = hooks(n, "post-hook", in);
  return s;
}

mz::SnapshotSpec snapshot_spec(const Node& n, const PlanInput& in) {
  mz::SnapshotSpec s;
  s.unique_id = n.unique_id;
  s.relation = relation_of(n);
  s.compiled_sql = n.compiled_code;
  s.unique_key = str_list(n, "unique_key");
  s.strategy = str(n, "strategy", "timestamp") == "check" ? mz::SnapshotStrategy::kCheck
                                                          : mz::SnapshotStrategy::kTimestamp;
  s.updated_at = str(n, "updated_at");
  if (str(n, "check_cols") != "all") s.check_cols = str_list(n, "check_cols");
  std::string hd = str(n, "hard_deletes");
  if (hd.empty() && opt_bool(n, "invalidate_hard_deletes").value_or(false)) hd = "invalidate";
  if (!hd.empty()) s.hard_deletes = mz::parse_hard_deletes(hd);
  s.pre_hooks = hooks(n, "pre-hook", in);
  s.post_hooks = hooks(n, "post-hook", in);
  return s;
}

mz::TestSpec test_spec(const Node& n, bool store_failures_flag) {
  mz::TestSpec s;
  s.unique_id = n.unique_id;
  s.name = n.name;
  s.sql = n.compiled_code;
  std::string sev = str(n, "severity", "ERROR");
  s.severity = (sev == "warn" || sev == "WARN" || sev == "Warn") ? mz::Severity::kWarn : mz::Severity::kError;
  s.warn_if = str(n, "warn_if", "!= 0");
  s.error_if = str(n, "error_if", "!= 0");
  s.fail_calc = str(n, "fail_calc", "count(*)");
  if (const json* l = n.config_value("limit"); l && l->is_number_integer()) s.limit = l->get<long>();
  s.store_failures = opt_bool(n, "store_failures").value_or(store_failures_flag);  // config wins, as dbt
  s.store_failures_as = str(n, "store_failures_as", "table");
  if (s.store_failures_as == "view" || s.store_failures_as == "ephemeral") s.store_failures = true;
  s.audit_relation = relation_of(n);
  return s;
}

// <package>/<path> as under target/compiled/ (tests from YAML have no file of their own).
std::string run_path_of(const Node& n) {
  const std::string marker = "/compiled/";
  if (auto at = n.compiled_path.find(marker); at != std::string::npos)
    return n.compiled_path.substr(at + marker.size());
  return n.package_name + "/" + n.original_file_path;
}

const char* kind_word(ResourceType t) {
  switch (t) {
    case ResourceType::kSeed:
      return "seed";
    case ResourceType::kSnapshot:
      return "snapshot";
    case ResourceType::kTest:
      return "test";
    default:
      return "model";
  }
}

// Whether a node's SQL may depend on the database at run time: it calls a macro, or a context
// function other than the ones that only name things (ref, source, config, var...). Those are
// compiled again right before they run, after their parents (dbt compiles every node then; the
// others' SQL is the same either way).
bool compiles_at_run_time(const Node& n) {
  // A Python model's dbt.is_incremental and refs are rendered right before it runs.
  if (!n.depends_on_macros.empty() || n.language == "python") return true;
  static const std::set<std::string> naming{
      "ref",     "source", "config",         "config.get", "config.require", "var",
      "env_var", "return", "is_incremental", "log",        "this.render"};
  for (const auto& c : n.unresolved_calls)
    if (!naming.count(c)) return true;
  return false;
}

bool wanted(const Node& n, const PlanKinds& k) {
  switch (n.resource_type) {
    case ResourceType::kModel:
      return k.models && n.materialized() != "ephemeral";
    case ResourceType::kSeed:
      return k.seeds;
    case ResourceType::kSnapshot:
      return k.snapshots;
    case ResourceType::kTest:
      return k.tests;
    default:
      return false;
  }
}

}  // namespace

RunPlan make_run_plan(const PlanInput& in) {
  // The model (or source) a test checks, as the run store keys assets.
  auto test_asset = [&](const Node& t) {
    const Node* parent = !t.attached_node.empty() ? in.manifest.find(t.attached_node) : nullptr;
    if (!parent && !t.depends_on_nodes.empty()) parent = in.manifest.find(t.depends_on_nodes.front());
    return parent ? parent->schema + "." + (parent->alias.empty() ? parent->name : parent->alias)
                  : std::string();
  };
  const project::Manifest& m = in.manifest;
  std::set<std::size_t> chosen;
  for (std::size_t i : in.selected)
    if (wanted(m.nodes[i], in.kinds)) chosen.insert(i);
  std::set<std::string> chosen_ids;
  for (std::size_t i : chosen) chosen_ids.insert(m.nodes[i].unique_id);

  // Dependencies among chosen nodes; ephemeral models are looked through (they are inlined).
  std::function<void(const Node&, std::set<std::string>&, int)> collect =
      [&](const Node& n, std::set<std::string>& out, int depth) {
        for (const auto& d : n.depends_on_nodes) {
          if (chosen_ids.count(d)) {
            out.insert(d);
          } else if (const Node* p = m.find(d); p && depth < 64 && p->resource_type == ResourceType::kModel &&
                                                p->materialized() == "ephemeral") {
            collect(*p, out, depth + 1);
          }
        }
      };
  std::map<std::size_t, std::set<std::string>> deps;
  for (std::size_t i : chosen) collect(m.nodes[i], deps[i], 0);

  // Build: a node also waits for the tests of its parents (a failing test skips what is
  // downstream, as in dbt build). Only single-parent tests, so relationships tests make no cycle.
  std::map<std::string, std::vector<std::string>> tests_of;
  for (std::size_t i : chosen)
    if (m.nodes[i].resource_type == ResourceType::kTest && deps[i].size() == 1)
      tests_of[*deps[i].begin()].push_back(m.nodes[i].unique_id);
  if (in.kinds.tests && (in.kinds.models || in.kinds.seeds || in.kinds.snapshots)) {
    for (std::size_t i : chosen) {
      if (m.nodes[i].resource_type == ResourceType::kTest) continue;
      std::set<std::string> extra;
      for (const auto& d : deps[i])
        for (const auto& t : tests_of[d]) extra.insert(t);
      deps[i].insert(extra.begin(), extra.end());
    }
  }

  // Unit tests (graph members selected as dbt selects them: by name, test_type:unit, or along
  // with their model) run with the tests, after the model's parents; in a build the model
  // waits for them (a failing unit test skips the model, as in dbt build).
  std::set<std::size_t> selected(in.selected.begin(), in.selected.end());
  std::map<std::size_t, std::vector<const project::UnitTest*>> unit_tests_of;
  if (in.kinds.tests && in.compile_unit_test) {
    for (const auto& ut : m.unit_tests) {
      auto mi = m.index_of(ut.model_unique_id);
      auto ui = m.index_of(ut.unique_id);
      if (!mi || !ui || !selected.count(*ui)) continue;
      unit_tests_of[*mi].push_back(&ut);
      if (chosen.count(*mi)) deps[*mi].insert(ut.unique_id);
    }
  }

  // Order: parents first, each node's tests right after it once all their parents are placed.
  std::vector<std::size_t> order;
  std::set<std::string> placed;
  std::vector<std::size_t> pending_tests;
  for (std::size_t i : chosen)
    if (m.nodes[i].resource_type == ResourceType::kTest) pending_tests.push_back(i);
  auto place_ready_tests = [&] {
    for (auto it = pending_tests.begin(); it != pending_tests.end();) {
      bool ready = true;
      for (const auto& d : deps[*it]) ready = ready && placed.count(d);
      if (ready) {
        order.push_back(*it);
        placed.insert(m.nodes[*it].unique_id);
        it = pending_tests.erase(it);
      } else {
        ++it;
      }
    }
  };
  place_ready_tests();
  for (std::size_t i : in.graph.topological_order()) {
    if (!chosen.count(i) || m.nodes[i].resource_type == ResourceType::kTest) continue;
    order.push_back(i);
    placed.insert(m.nodes[i].unique_id);
    place_ready_tests();
  }
  order.insert(order.end(), pending_tests.begin(), pending_tests.end());

  std::unordered_map<std::string, std::string> compile_errors(in.compile_errors.begin(),
                                                              in.compile_errors.end());
  const std::string run_dir = (std::filesystem::path(m.project.target_path) / "run").generic_string();
  RunPlan plan;
  auto add_unit_tests = [&](std::size_t model) {
    auto it = unit_tests_of.find(model);
    if (it == unit_tests_of.end()) return;
    std::set<std::string> parents;
    collect(m.nodes[model], parents, 0);
    const Node& mn = m.nodes[model];
    for (const project::UnitTest* ut : it->second) {
      std::string where = "unit_test " + ut->name + " (" + ut->original_file_path + ")";
      std::unique_ptr<exec::Step> step;
      std::vector<std::string> d(parents.begin(), parents.end());
      std::string asset = mn.schema + "." + (mn.alias.empty() ? mn.name : mn.alias);
      try {
        step = std::make_unique<UnitTestStep>(unit_test_spec(*ut, m, model, in.compile_unit_test), d, asset);
        step = std::make_unique<NamedStep>(std::move(step), where, run_path_of(mn), run_dir);
      } catch (const UserError& e) {
        exec::StepInfo info;
        info.id = ut->unique_id;
        info.depends_on = d;
        info.kind = "unit_test";
        info.description = "unit_test " + ut->name;
        info.checks.push_back({asset, ut->unique_id});
        step = std::make_unique<FailedStep>(info, "Compilation Error in " + where + "\n  " + e.what());
      }
      plan.owned.push_back(std::move(step));
      plan.steps.push_back(plan.owned.back().get());
    }
    unit_tests_of.erase(it);
  };
  // `pond test`: the models are not built; their unit tests run first.
  for (auto it = unit_tests_of.begin(); it != unit_tests_of.end();) {
    std::size_t model = it->first;
    ++it;
    if (!chosen.count(model)) add_unit_tests(model);
  }
  for (std::size_t i : order) {
    if (m.nodes[i].resource_type == ResourceType::kModel) add_unit_tests(i);
    const Node& n = m.nodes[i];
    std::vector<std::string> d(deps[i].begin(), deps[i].end());
    std::string where =
        std::string(kind_word(n.resource_type)) + " " + n.name + " (" + n.original_file_path + ")";
    std::unique_ptr<exec::Step> step;
    // The lake builds what it holds (tables, views, incremental models, seeds, snapshots);
    // ephemeral models are inlined and external models write their files from DuckDB.
    auto backend_for = [&](const mz::Relation& rel, bool lake_kind) -> mz::Backend& {
      return in.lake && lake_kind && in.lake->holds(rel) ? *in.lake : *in.database;
    };
    bool compile_failed = false;
    auto e = compile_errors.find(n.unique_id);
    bool at_run = in.compile_now && (e != compile_errors.end() || compiles_at_run_time(n));
    auto compile = [&]() -> CompileNow {
      if (!at_run) return nullptr;
      return [f = in.compile_now, i] { return f(i); };
    };
    if (e != compile_errors.end() && !in.compile_now) {
      compile_failed = true;
      exec::StepInfo info;
      info.id = n.unique_id;
      info.depends_on = d;
      info.kind = std::string(to_string(n.resource_type));
      info.description = std::string(kind_word(n.resource_type)) + " " + n.name;
      info.relation = n.relation_name;
      if (n.resource_type == ResourceType::kTest)
        info.checks.push_back({test_asset(n), n.unique_id});
      else
        info.materializes.push_back(n.schema + "." + n.alias);
      step = std::make_unique<FailedStep>(info, "Compilation Error in " + where + "\n  " + e->second);
    } else if (n.resource_type == ResourceType::kModel) {
      mz::ModelSpec spec = model_spec(n, in);
      bool lake_kind = spec.materialized != mz::Materialized::kExternal;
      mz::Backend& backend = backend_for(spec.relation, lake_kind);
      auto model = std::make_unique<ModelStep>(std::move(spec), d, in.options, backend);
      model->compile_before_run(compile());
      if (n.language == "python") {
        PythonModelRun run;
        run.display_path = m.display_path(n.package_name, n.original_file_path);
        run.name = n.name;
        run.project_root = m.project.root;
        run.work_root = m.project.root / m.project.target_path / "python";
        model->run_python(std::move(run));
      }
      step = std::move(model);
    } else if (n.resource_type == ResourceType::kSeed) {
      step = std::make_unique<SeedStep>(seed_spec(n, in), in.options, backend_for(relation_of(n), true));
    } else if (n.resource_type == ResourceType::kSnapshot) {
      auto snapshot = std::make_unique<SnapshotStep>(snapshot_spec(n, in), d, in.options,
                                                     backend_for(relation_of(n), true));
      snapshot->compile_before_run(compile());
      step = std::move(snapshot);
    } else {
      mz::TestSpec spec = test_spec(n, in.options.store_failures);
      mz::Backend& audit = backend_for(spec.audit_relation, true);
      auto test = std::make_unique<TestStep>(std::move(spec), d, test_asset(n), audit, in.cache);
      test->compile_before_run(compile());
      step = std::move(test);
    }
    if (compile_failed) {  // already "Compilation Error in ...", as dbt prints it
      plan.owned.push_back(std::move(step));
    } else {
      plan.owned.push_back(std::make_unique<NamedStep>(std::move(step), where, run_path_of(n), run_dir));
    }
    plan.steps.push_back(plan.owned.back().get());
  }

  auto add_hooks = [&](const std::vector<std::string>& sqls, const char* what,
                       std::vector<exec::Step*>& out) {
    for (std::size_t k = 0; k < sqls.size(); ++k) {
      std::string id =
          "operation." + m.project.name + "." + m.project.name + "-" + what + "-" + std::to_string(k);
      OperationStep::Render render;
      if (has_jinja(sqls[k]) && in.render_run_hook) {
        std::string where = fmt::format("dbt_project.yml ({} hook {})", what, k);
        bool end = std::string_view(what) == "on-run-end";
        render = [r = in.render_run_hook, sql = sqls[k], where, end](engine::Connection& con) {
          return r(sql, where, end, con);
        };
      } else if (has_jinja(sqls[k]) && in.render) {
        render = [r = in.render, sql = sqls[k]](engine::Connection&) { return r(sql); };
      }
      plan.owned_hooks.push_back(std::make_unique<OperationStep>(id, sqls[k], std::move(render)));
      out.push_back(plan.owned_hooks.back().get());
    }
  };
  add_hooks(m.project.on_run_start, "on-run-start", plan.on_run_start);
  add_hooks(m.project.on_run_end, "on-run-end", plan.on_run_end);
  return plan;
}

}  // namespace pond::dbt
