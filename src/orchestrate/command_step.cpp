#include "orchestrate/command_step.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/result.hpp"
#include "materialize/lake_target.hpp"
#include "orchestrate/command_process.hpp"

namespace pond::orchestrate {

namespace {

using exec::Status;
using nlohmann::json;

constexpr std::size_t kMaxOutputEvents = 10000;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string tail_text(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

std::string format_seconds(std::chrono::milliseconds d) {
  return fmt::format("{:.3g}s", static_cast<double>(d.count()) / 1000.0);
}

// The SQL that reads a command's output file.
std::string reader_sql(const std::string& format, const std::filesystem::path& file) {
  std::string lit = quote_literal(file.string());
  if (format == "csv") return "SELECT * FROM read_csv(" + lit + ", header = true, auto_detect = true)";
  if (format == "jsonl") return "SELECT * FROM read_json(" + lit + ", format = 'newline_delimited')";
  return "SELECT * FROM read_parquet(" + lit + ")";
}

}  // namespace

CommandStep::CommandStep(const AssetNode& asset, std::vector<std::string> depends_on, RunContext& run)
    : asset_(asset), run_(run) {
  info_.id = step_id(asset.name);
  info_.depends_on = std::move(depends_on);
  info_.kind = "command";
  info_.description = "command asset " + asset.name;
  info_.relation = asset.table;
  info_.materializes = {asset.key};
  for (const auto& c : asset.checks) info_.checks.push_back({asset.key, c});
  info_.pool = asset.pool;
}

exec::StepOutcome CommandStep::run(exec::StepContext& ctx) {
  const AssetConfig& cfg = *asset_.command;
  std::optional<PartitionScope> scope = scope_of(run_, asset_.partitions);
  namespace fs = std::filesystem;
  fs::path dir = run_.run_dir / asset_.name;
  fs::create_directories(dir);
  fs::path output, pipes = dir / "pipes.jsonl";
  fs::remove(pipes);

  CommandSpec spec;
  spec.cwd = cfg.cwd.empty() ? run_.project_root : run_.project_root / cfg.cwd;
  spec.timeout = cfg.timeout;
  spec.argv = cfg.argv.empty() ? std::vector<std::string>{"/bin/sh", "-c", cfg.shell} : cfg.argv;
  spec.env = cfg.env;
  spec.env["POND_ASSET"] = asset_.name;
  spec.env["POND_RUN_ID"] = run_.run_id;
  spec.env["POND_PROJECT_DIR"] = run_.project_root.string();
  spec.env["POND_PIPES"] = pipes.string();
  std::error_code ec;
  if (auto self = fs::read_symlink("/proc/self/exe", ec); !ec) spec.env["POND_BIN"] = self.string();
  if (cfg.produces) {
    output = dir / ("output." + cfg.produces->format);
    fs::remove(output);
    spec.env["POND_OUTPUT"] = output.string();
    spec.env["POND_OUTPUT_FORMAT"] = cfg.produces->format;
    spec.env["POND_OUTPUT_TABLE"] = cfg.produces->table;
  }
  if (run_.lake_config) {
    spec.env["POND_LAKE_CATALOG"] = run_.lake_config->catalog;
    fs::path data = run_.lake_config->data_path;
    spec.env["POND_LAKE_DATA_PATH"] =
        (data.is_relative() ? run_.lake_config->base_dir / data : data).string();
  }
  if (scope)
    for (const auto& [k, v] : partition_values(*asset_.partitions, *scope)) spec.env["POND_" + upper(k)] = v;

  std::size_t lines = 0;
  auto on_line = [&](bool is_err, std::string_view line) {
    log::debug("{} {}| {}", asset_.name, is_err ? "stderr " : "", line);
    if (!run_.event) return;
    if (++lines > kMaxOutputEvents) {
      if (lines == kMaxOutputEvents + 1)
        run_.event(
            {0, run_.run_id, info_.id, "", "warn", "log",
             "more output than " + std::to_string(kMaxOutputEvents) + " lines: the rest is not recorded",
             "{}"});
      return;
    }
    run_.event({0, run_.run_id, info_.id, "", is_err ? "warn" : "info", is_err ? "stderr" : "stdout",
                std::string(line), "{}"});
  };
  CommandResult r = run_command(spec, ctx.cancelled(), on_line);

  exec::StepOutcome out;
  out.status = Status::kError;
  std::string program = cfg.argv.empty() ? cfg.shell.substr(0, cfg.shell.find(' ')) : cfg.argv.front();
  if (!r.started) {
    out.message = "asset " + asset_.name + ": cannot run '" + program + "': " + r.start_error +
                  "\n  hint: check 'run:' in pond.yml (the program must be on the PATH or a path from " +
                  spec.cwd.string() + ")";
    return out;
  }
  if (r.cancelled) {
    out.message = "cancelled: the command's process group was stopped";
    return out;
  }
  if (r.timed_out) {
    out.message = "asset " + asset_.name + " timed out after " + format_seconds(*cfg.timeout) +
                  "; its process group was killed" + tail_text(r.stderr_tail);
    return out;
  }
  if (r.exit_code == 127 && cfg.argv.empty()) {
    out.message =
        "asset " + asset_.name + ": command not found (exit 127): " + cfg.shell + tail_text(r.stderr_tail);
    return out;
  }
  if (r.exit_code != 0) {
    out.message = "asset " + asset_.name + " exited with code " + std::to_string(r.exit_code) +
                  (r.stderr_tail.empty() ? std::string(" (no output on stderr)")
                                         : ", stderr:" + tail_text(r.stderr_tail));
    return out;
  }

  exec::Materialization m;
  m.asset_key = asset_.key;
  try {
    read_pipes(pipes, out, m);
  } catch (const UserError& e) {
    out.status = Status::kError;
    out.message = e.what();
    out.checks.clear();
    return out;
  }
  if (cfg.produces) {
    if (!fs::is_regular_file(output, ec)) {
      out.status = Status::kError;
      out.message = "asset " + asset_.name + " exited 0 but wrote no " + cfg.produces->format +
                    " file to $POND_OUTPUT (" + output.string() + "); nothing was committed";
      out.checks.clear();
      return out;
    }
    exec::Materialization committed = commit(ctx, output, scope);
    committed.metadata_json = m.metadata_json;
    m = committed;
    out.rows = static_cast<std::uint64_t>(m.rows.value_or(0));
  }
  out.materializations.push_back(m);
  // Declared checks the command did not report are errors; a failing blocking check stops
  // what is downstream (the materialization stands, as in Dagster).
  out.status = Status::kSuccess;
  out.message = "OK";
  for (const auto& decl : cfg.checks) {
    auto it = std::find_if(out.checks.begin(), out.checks.end(),
                           [&](const auto& c) { return c.name == decl.name; });
    if (it == out.checks.end()) {
      out.checks.push_back({asset_.key, decl.name, Status::kError, "error", std::nullopt,
                            "declared in pond.yml but not reported to $POND_PIPES"});
      it = out.checks.end() - 1;
    }
    if (decl.blocking && (it->status == Status::kFail || it->status == Status::kError)) {
      out.status = Status::kFail;
      out.message = "blocking check " + decl.name + " of " + asset_.name + " " +
                    exec::status_name(it->status) + (it->message.empty() ? "" : ": " + it->message);
    }
  }
  return out;
}

void CommandStep::read_pipes(const std::filesystem::path& file, exec::StepOutcome& out,
                             exec::Materialization& m) const {
  std::ifstream in(file);
  if (!in) return;
  json metadata = json::object();
  std::string line;
  int n = 0;
  auto bad = [&](const std::string& why) {
    throw UserError(
        "asset " + asset_.name + ": $POND_PIPES line " + std::to_string(n) + ": " + why,
        "each line is a JSON object: {\"metadata\": {...}} or {\"check\": NAME, \"passed\": true|false}");
  };
  while (std::getline(in, line)) {
    ++n;
    if (trim(line).empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) bad("not a JSON object");
    for (const auto& [k, v] : j.items())
      if (k != "metadata" && k != "check" && k != "passed" && k != "severity" && k != "message" &&
          k != "failures")
        bad("unknown key '" + k + "'");
    if (j.contains("metadata")) {
      if (!j["metadata"].is_object()) bad("'metadata' must be an object");
      metadata.update(j["metadata"]);
    }
    if (j.contains("check")) {
      if (!j["check"].is_string() || j["check"].get<std::string>().empty()) bad("'check' must be a name");
      if (!j.contains("passed") || !j["passed"].is_boolean()) bad("a check needs 'passed': true or false");
      std::string severity = j.value("severity", std::string("error"));
      if (severity != "error" && severity != "warn") bad("'severity' must be error or warn");
      exec::CheckResult c;
      c.asset_key = asset_.key;
      c.name = j["check"].get<std::string>();
      c.severity = severity;
      c.status = j["passed"].get<bool>() ? Status::kPass : severity == "warn" ? Status::kWarn : Status::kFail;
      if (j.contains("message") && j["message"].is_string()) c.message = j["message"].get<std::string>();
      if (j.contains("failures") && j["failures"].is_number_integer())
        c.failures = j["failures"].get<std::int64_t>();
      out.checks.push_back(std::move(c));
    } else if (!j.contains("metadata")) {
      bad("neither 'metadata' nor 'check'");
    }
  }
  m.metadata_json = metadata.dump();
}

exec::Materialization CommandStep::commit(exec::StepContext& ctx, const std::filesystem::path& output,
                                          const std::optional<PartitionScope>& scope) {
  const ProducesConfig& p = *asset_.command->produces;
  POND_ASSERT(run_.lake != nullptr,
              "a command asset producing a table runs only with a lake (checked when planning)");
  std::string select = reader_sql(p.format, output);
  // A partitioned asset replaces exactly its partition's rows; rows outside it are refused.
  std::string predicate;
  if (scope) {
    const PartitionsDefinition& def = *asset_.partitions;
    auto column = [&](const std::string& dim) -> std::string {
      auto it = p.partition_columns.find(dim);
      if (it == p.partition_columns.end()) it = p.partition_columns.find("");
      POND_ASSERT(it != p.partition_columns.end(), "partition columns are checked when the graph is built");
      return quote_identifier(it->second);
    };
    if (const TimeWindows* t = def.time()) {
      std::string col = column(def.time_dimension());
      predicate = "CAST(" + col + " AS TIMESTAMP) >= TIMESTAMP " +
                  quote_literal(t->local_text(scope->span.start)) + " AND CAST(" + col +
                  " AS TIMESTAMP) < TIMESTAMP " + quote_literal(t->local_text(scope->span.end));
    }
    if (def.has_list()) {
      std::string cond =
          "CAST(" + column(def.list_dimension()) + " AS VARCHAR) = " + quote_literal(scope->list_key);
      predicate = predicate.empty() ? cond : predicate + " AND " + cond;
    }
  }
  engine::Connection& con = ctx.connection();
  if (!predicate.empty()) {
    auto outside =
        con.query("SELECT count(*) FROM (" + select + ") WHERE NOT coalesce(" + predicate + ", false)");
    std::int64_t n = 0;
    if (auto chunk = outside.next_chunk()) n = chunk->get<std::int64_t>(0, 0);
    if (n > 0)
      throw UserError("asset " + asset_.name + " wrote " + std::to_string(n) +
                      " rows outside its partition " + describe_scope(*asset_.partitions, *scope) + " (" +
                      predicate + "); nothing was committed");
  }
  auto dot = p.table.find('.');
  std::string schema = p.table.substr(0, dot), name = p.table.substr(dot + 1);
  exec::Materialization m;
  m.asset_key = asset_.key;
  std::error_code ec;
  auto size = std::filesystem::file_size(output, ec);
  if (!ec) m.bytes = static_cast<std::int64_t>(size);
  run_.lake->with_lake([&](lake::Lake& lake) {
    bool exists = false;
    for (const auto& t : lake.tables())
      if (iequals(t.schema_name, schema) && iequals(t.name, name)) exists = true;
    lake::CommitResult c;
    if (!exists) {
      lake.create_schema(schema, true);
      c = lake.create_table_as(con, p.table, select);
    } else if (!predicate.empty()) {
      c = lake.replace_where(con, p.table, predicate, select);
    } else if (p.write == ProducesConfig::Write::kAppend) {
      c = lake.append(con, p.table, select);
    } else {
      c = lake.create_table_as(con, p.table, select, {}, true);
    }
    m.rows = c.rows_written;
    m.snapshot_id = c.snapshot_id;
    run_.lake->show_table(con, lake, materialize::Relation{run_.lake->database(), schema, name},
                          c.snapshot_id);
  });
  return m;
}

}  // namespace pond::orchestrate
