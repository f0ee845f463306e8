// pond.yml, read strictly: every mapping names the keys it takes, and anything else is an error
// at its line and column with the closest known key as a hint.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"
#include "orchestrate/cron.hpp"
#include "orchestrate/time_windows.hpp"
#include "project/yaml_tree.hpp"

namespace pond::orchestrate {

void read_command_run(const Reader& r, const YamlNode& run, std::vector<std::string>& argv,
                      std::string& shell) {
  if (run.is_sequence()) {
    argv = r.strings(run, "'run:'");
    if (argv.empty() || argv[0].empty()) r.fail(run, "'run:' must name a program");
  } else {
    shell = r.name(run, "'run:'");
  }
}

std::map<std::string, std::string> read_command_env(const Reader& r, const YamlNode& v) {
  if (!v.is_map()) r.fail(v, "'env:' must map variable names to values");
  std::map<std::string, std::string> env;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string k = r.name(v.key(i), "an environment variable name");
    if (k.rfind("POND_", 0) == 0)
      r.fail(v.key(i), "'" + k + "' is set by pond", "choose a name without the POND_ prefix");
    env[k] = r.str(v.value(i), "the value of " + k);
  }
  return env;
}

namespace {

using project::YamlNode;
using project::YamlTree;

RetryPolicy read_retry(const Reader& r, const YamlNode& n) {
  r.keys(n, "'retry:'", {"max", "delay", "backoff", "jitter"});
  RetryPolicy p;
  if (const auto& v = n["max"]) p.max = r.integer(v, "retry 'max:'", 0, 100);
  if (const auto& v = n["delay"]) p.delay = r.duration_ms(v, "retry 'delay:'");
  if (const auto& v = n["backoff"]) {
    std::string b = r.str(v, "retry 'backoff:'");
    if (b == "constant")
      p.backoff = RetryPolicy::Backoff::kConstant;
    else if (b == "linear")
      p.backoff = RetryPolicy::Backoff::kLinear;
    else if (b == "exponential")
      p.backoff = RetryPolicy::Backoff::kExponential;
    else
      r.fail(v, "retry 'backoff:' must be constant, linear or exponential, not '" + b + "'");
  }
  if (const auto& v = n["jitter"]) p.jitter = r.boolean(v, "retry 'jitter:'");
  return p;
}

MappingConfig read_mapping(const Reader& r, const YamlNode& n) {
  MappingConfig m;
  m.where = r.where(n);
  const YamlNode* type_node = &n;
  if (n.is_map()) {
    r.keys(n, "a partition mapping", {"type", "start_offset", "end_offset", "map"});
    if (!n["type"])
      r.fail(n, "a partition mapping needs 'type:'", "identity, all, last, time_window or static");
    type_node = &n["type"];
  }
  std::string t = r.str(*type_node, "the mapping type");
  static const std::vector<std::string> kTypes{"identity", "all", "last", "time_window", "static"};
  if (t == "identity")
    m.type = MappingConfig::Type::kIdentity;
  else if (t == "all")
    m.type = MappingConfig::Type::kAll;
  else if (t == "last")
    m.type = MappingConfig::Type::kLast;
  else if (t == "time_window")
    m.type = MappingConfig::Type::kTimeWindow;
  else if (t == "static")
    m.type = MappingConfig::Type::kStatic;
  else {
    std::string guess = closest_match(t, kTypes);
    r.fail(*type_node, "unknown partition mapping '" + t + "'",
           guess.empty() ? "one of " + join(kTypes) : "did you mean '" + guess + "'?");
  }
  if (!n.is_map()) return m;
  if (const auto& v = n["start_offset"]) m.start_offset = r.integer(v, "'start_offset:'", -100000, 100000);
  if (const auto& v = n["end_offset"]) m.end_offset = r.integer(v, "'end_offset:'", -100000, 100000);
  if ((n["start_offset"] || n["end_offset"]) && m.type != MappingConfig::Type::kTimeWindow)
    r.fail(n, "'start_offset:'/'end_offset:' belong to type time_window");
  if (const auto& v = n["map"]) {
    if (m.type != MappingConfig::Type::kStatic) r.fail(v, "'map:' belongs to type static");
    if (!v.is_map()) r.fail(v, "'map:' must map upstream keys to downstream keys");
    for (std::size_t i = 0; i < v.size(); ++i)
      m.static_map[r.str(v.key(i), "a key of 'map:'")] = r.strings(v.value(i), "a value of 'map:'");
  } else if (m.type == MappingConfig::Type::kStatic) {
    r.fail(n, "a static mapping needs 'map:' (upstream key: downstream key or keys)");
  }
  return m;
}

PartitionsConfig read_partitions(const Reader& r, const std::string& name, const YamlNode& n) {
  PartitionsConfig p;
  p.name = name;
  p.where = r.where(n);
  if (!n.is_map()) r.fail(n, "partitions '" + name + "' must be a mapping with 'type:'");
  if (!n["type"])
    r.fail(n, "partitions '" + name + "' needs 'type:'",
           "hourly, daily, weekly, monthly, cron, static, dynamic or multi");
  const YamlNode& type = n["type"];
  std::string t = r.str(type, "'type:'");
  using T = PartitionsConfig::Type;
  static const std::vector<std::string> kTypes{"hourly", "daily",  "weekly",  "monthly",
                                               "cron",   "static", "dynamic", "multi"};
  static const std::map<std::string, T> kByName{
      {"hourly", T::kHourly}, {"daily", T::kDaily},   {"weekly", T::kWeekly},   {"monthly", T::kMonthly},
      {"cron", T::kCron},     {"static", T::kStatic}, {"dynamic", T::kDynamic}, {"multi", T::kMulti}};
  auto it = kByName.find(t);
  if (it == kByName.end()) {
    std::string guess = closest_match(t, kTypes);
    r.fail(type, "unknown partitions type '" + t + "'",
           guess.empty() ? "one of " + join(kTypes) : "did you mean '" + guess + "'?");
  }
  p.type = it->second;
  switch (p.type) {
    case T::kStatic:
      r.keys(n, "static partitions '" + name + "'", {"type", "values"});
      if (!n["values"]) r.fail(n, "static partitions '" + name + "' need 'values:'");
      p.values = r.strings(n["values"], "'values:'");
      if (p.values.empty()) r.fail(n["values"], "'values:' must list at least one key");
      {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < p.values.size(); ++i) {
          const YamlNode& at = n["values"].is_sequence() ? n["values"].children[i] : n["values"];
          if (p.values[i].empty()) r.fail(at, "a partition key must not be empty");
          if (p.values[i].find_first_of("|,") != std::string::npos)
            r.fail(at, "partition key '" + p.values[i] + "' contains '|' or ','",
                   "these separate keys in ranges");
          if (!seen.insert(p.values[i]).second) r.fail(at, "duplicate partition key '" + p.values[i] + "'");
        }
      }
      return p;
    case T::kDynamic:
      r.keys(n, "dynamic partitions '" + name + "'", {"type"});
      return p;
    case T::kMulti: {
      r.keys(n, "multi partitions '" + name + "'", {"type", "dimensions"});
      const YamlNode& d = n["dimensions"];
      if (!d || !d.is_map() || d.size() != 2)
        r.fail(d ? d : n, "multi partitions '" + name + "' need 'dimensions:' with exactly two entries",
               "e.g. dimensions: {date: daily, region: region}");
      for (std::size_t i = 0; i < d.size(); ++i)
        p.dimensions.emplace_back(r.name(d.key(i), "a dimension name"),
                                  r.name(d.value(i), "a dimension's partitions"));
      return p;
    }
    default:
      break;
  }
  std::vector<std::string> known{"type", "start", "end", "timezone", "end_offset"};
  if (p.type == T::kCron) known.push_back("cron");
  if (p.type != T::kCron) known.push_back("minute_offset");
  if (p.type == T::kDaily || p.type == T::kWeekly || p.type == T::kMonthly) known.push_back("hour_offset");
  if (p.type == T::kWeekly || p.type == T::kMonthly) known.push_back("day_offset");
  r.keys(n, t + " partitions '" + name + "'", known);
  if (!n["start"]) r.fail(n, t + " partitions '" + name + "' need 'start:'", "e.g. start: 2024-01-01");
  p.start = r.name(n["start"], "'start:'");
  if (const auto& v = n["end"]) p.end = r.name(v, "'end:'");
  if (const auto& v = n["timezone"]) p.timezone = r.name(v, "'timezone:'");
  if (const auto& v = n["end_offset"]) p.end_offset = r.integer(v, "'end_offset:'", -100000, 100000);
  if (const auto& v = n["minute_offset"]) p.minute_offset = r.integer(v, "'minute_offset:'", 0, 59);
  if (const auto& v = n["hour_offset"]) p.hour_offset = r.integer(v, "'hour_offset:'", 0, 23);
  if (const auto& v = n["day_offset"]) {
    p.day_offset = p.type == T::kWeekly ? r.integer(v, "'day_offset:' (weekday, 0 = Sunday)", 0, 6)
                                        : r.integer(v, "'day_offset:' (day of the month)", 1, 28);
  } else if (p.type == T::kMonthly) {
    p.day_offset = 1;
  }
  if (p.type == T::kCron) {
    if (!n["cron"]) r.fail(n, "cron partitions '" + name + "' need 'cron:'", "e.g. cron: \"0 */6 * * *\"");
    p.cron = r.name(n["cron"], "'cron:'");
  }
  return p;
}

DepConfig read_dep(const Reader& r, const YamlNode& n) {
  DepConfig d;
  d.where = r.where(n);
  if (n.is_scalar()) {
    d.select = r.name(n, "a dependency");
    return d;
  }
  r.keys(n, "a dependency", {"asset", "mapping"});
  if (!n["asset"]) r.fail(n, "a dependency needs 'asset:' (a name or a selection)");
  d.select = r.name(n["asset"], "'asset:'");
  d.where = r.where(n["asset"]);
  if (const auto& m = n["mapping"]) d.mapping = read_mapping(r, m);
  return d;
}

ProducesConfig read_produces(const Reader& r, const YamlNode& n) {
  ProducesConfig p;
  p.where = r.where(n);
  if (n.is_scalar()) {
    p.table = r.name(n, "'produces:'");
  } else {
    r.keys(n, "'produces:'", {"table", "format", "write", "partition_column"});
    if (!n["table"]) r.fail(n, "'produces:' needs 'table:' (schema.table in the lake)");
    p.table = r.name(n["table"], "'table:'");
    if (const auto& v = n["format"]) {
      p.format = r.str(v, "'format:'");
      if (p.format != "parquet" && p.format != "csv" && p.format != "jsonl")
        r.fail(v, "'format:' must be parquet, csv or jsonl, not '" + p.format + "'");
    }
    if (const auto& v = n["write"]) {
      std::string w = r.str(v, "'write:'");
      if (w == "replace")
        p.write = ProducesConfig::Write::kReplace;
      else if (w == "append")
        p.write = ProducesConfig::Write::kAppend;
      else
        r.fail(v, "'write:' must be replace or append, not '" + w + "'");
    }
    if (const auto& v = n["partition_column"]) {
      if (v.is_scalar()) {
        p.partition_columns[""] = r.name(v, "'partition_column:'");
      } else if (v.is_map()) {
        for (std::size_t i = 0; i < v.size(); ++i)
          p.partition_columns[r.name(v.key(i), "a dimension name")] = r.name(v.value(i), "a column name");
      } else {
        r.fail(v, "'partition_column:' must be a column name (or dimension: column for two dimensions)");
      }
    }
  }
  auto dot = p.table.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == p.table.size() ||
      p.table.find('.', dot + 1) != std::string::npos)
    r.fail(n["table"] ? n["table"] : n, "'table:' must be schema.table, not '" + p.table + "'");
  return p;
}

std::string read_pool(const Reader& r, const YamlNode& n) {
  return r.name(n, "'pool:'");
}

AssetConfig read_asset(const Reader& r, const std::string& name, const YamlNode& n) {
  AssetConfig a;
  a.name = name;
  a.where = r.where(n);
  r.keys(n, "asset '" + name + "'",
         {"run", "description", "group", "owners", "tags", "env", "cwd", "timeout", "deps", "partitions",
          "produces", "checks", "retry", "pool", "code", "automation", "freshness"});
  const YamlNode& run = n["run"];
  if (!run)
    r.fail(n, "asset '" + name + "' needs 'run:' (the command to execute)",
           "e.g. run: python3 scripts/score.py");
  a.run_where = r.where(run);
  read_command_run(r, run, a.argv, a.shell);
  if (const auto& v = n["description"]) a.description = r.str(v, "'description:'");
  if (const auto& v = n["group"]) a.group = r.name(v, "'group:'");
  if (const auto& v = n["owners"]) a.owners = r.strings(v, "'owners:'");
  if (const auto& v = n["tags"]) a.tags = r.strings(v, "'tags:'");
  if (const auto& v = n["env"]) a.env = read_command_env(r, v);
  if (const auto& v = n["cwd"]) a.cwd = r.name(v, "'cwd:'");
  if (const auto& v = n["timeout"]) {
    a.timeout = r.duration_ms(v, "'timeout:'");
    if (a.timeout->count() <= 0) r.fail(v, "'timeout:' must be longer than 0s");
  }
  if (const auto& v = n["deps"]) {
    if (v.is_scalar()) {
      a.deps.push_back(read_dep(r, v));
    } else {
      if (!v.is_sequence()) r.fail(v, "'deps:' must be a list of asset names or selections");
      for (const auto& item : v.children) a.deps.push_back(read_dep(r, item));
    }
  }
  if (const auto& v = n["partitions"]) {
    a.partitions = r.name(v, "'partitions:'");
    a.partitions_where = r.where(v);
  }
  if (const auto& v = n["produces"]) a.produces = read_produces(r, v);
  if (const auto& v = n["checks"]) {
    if (!v.is_sequence()) r.fail(v, "'checks:' must be a list");
    for (const auto& item : v.children) {
      CheckDecl c;
      if (item.is_scalar()) {
        c.name = r.name(item, "a check name");
      } else {
        r.keys(item, "a check", {"name", "blocking", "description"});
        if (!item["name"]) r.fail(item, "a check needs 'name:'");
        c.name = r.name(item["name"], "'name:'");
        if (const auto& b = item["blocking"]) c.blocking = r.boolean(b, "'blocking:'");
        if (const auto& d = item["description"]) c.description = r.str(d, "'description:'");
      }
      a.checks.push_back(std::move(c));
    }
  }
  if (const auto& v = n["retry"]) a.retry = read_retry(r, v);
  if (const auto& v = n["pool"]) {
    a.pool = read_pool(r, v);
    a.pool_where = r.where(v);
  }
  if (const auto& v = n["code"]) a.code = r.strings(v, "'code:'");
  if (const auto& v = n["automation"]) a.automation = read_automation(r, v, false);
  if (const auto& v = n["freshness"]) a.freshness = read_freshness(r, v, false);
  return a;
}

ModelRule read_model_rule(const Reader& r, const YamlNode& n) {
  ModelRule m;
  m.where = r.where(n);
  r.keys(n, "a 'models:' entry", {"select", "partitions", "mappings", "retry", "pool", "blocking_checks"});
  if (!n["select"]) r.fail(n, "a 'models:' entry needs 'select:' (dbt selection syntax)");
  m.select = r.name(n["select"], "'select:'");
  if (const auto& v = n["partitions"]) {
    m.partitions = r.name(v, "'partitions:'");
    m.partitions_where = r.where(v);
  }
  if (const auto& v = n["mappings"]) {
    if (!v.is_map()) r.fail(v, "'mappings:' must map upstream asset names to partition mappings");
    for (std::size_t i = 0; i < v.size(); ++i)
      m.mappings[r.name(v.key(i), "an upstream asset name")] = read_mapping(r, v.value(i));
  }
  if (const auto& v = n["retry"]) m.retry = read_retry(r, v);
  if (const auto& v = n["pool"]) {
    m.pool = read_pool(r, v);
    m.pool_where = r.where(v);
  }
  if (const auto& v = n["blocking_checks"]) m.blocking_checks = r.boolean(v, "'blocking_checks:'");
  return m;
}

void check_references(const Reader& r, const YamlTree& tree, PondConfig& c) {
  std::vector<std::string> defs;
  for (const auto& p : c.partitions) defs.push_back(p.name);
  auto unknown = [&](const SourceLocation& at, const std::string& what, const std::string& name,
                     const std::vector<std::string>& names, const std::string& section) {
    std::string guess = closest_match(name, names);
    throw UserError(
        at, "unknown " + what + " '" + name + "'",
        guess.empty() ? "define it under '" + section + ":' in pond.yml" : "did you mean '" + guess + "'?");
  };
  auto check_def = [&](const std::string& name, const SourceLocation& at) {
    if (!name.empty() && !c.find_partitions(name)) unknown(at, "partitions", name, defs, "partitions");
  };
  std::vector<std::string> pools;
  for (const auto& [k, v] : c.pools) pools.push_back(k);
  auto check_pool = [&](const std::string& name, const SourceLocation& at) {
    if (!name.empty() && !c.pools.count(name)) unknown(at, "pool", name, pools, "pools");
  };
  for (const auto& p : c.partitions) {
    if (p.type != PartitionsConfig::Type::kMulti) continue;
    int time_dims = 0;
    for (const auto& [dim, def] : p.dimensions) {
      const PartitionsConfig* d = c.find_partitions(def);
      if (!d) unknown(p.where, "partitions", def, defs, "partitions");
      if (d->type == PartitionsConfig::Type::kMulti)
        throw UserError(p.where,
                        "multi partitions '" + p.name + "' cannot nest multi partitions '" + def + "'");
      bool time = d->type != PartitionsConfig::Type::kStatic && d->type != PartitionsConfig::Type::kDynamic;
      time_dims += time ? 1 : 0;
    }
    if (time_dims > 1)
      throw UserError(p.where, "multi partitions '" + p.name + "' have two time dimensions",
                      "at most one dimension may be a time window");
  }
  for (const auto& a : c.assets) {
    check_def(a.partitions, a.partitions_where);
    check_pool(a.pool, a.pool_where);
    if (a.produces && !a.produces->partition_columns.empty() && a.partitions.empty())
      throw UserError(a.produces->where,
                      "asset '" + a.name + "' names a 'partition_column:' but has no 'partitions:'");
  }
  for (const auto& i : c.ingest) check_def(i.partitions, i.partitions_where);
  check_ingest_partitions(c);
  for (const auto& m : c.models) {
    check_def(m.partitions, m.partitions_where);
    check_pool(m.pool, m.pool_where);
  }
  static_cast<void>(r);
  static_cast<void>(tree);
}

}  // namespace

const PartitionsConfig* PondConfig::find_partitions(const std::string& name) const {
  for (const auto& p : partitions)
    if (p.name == name) return &p;
  return nullptr;
}

PondConfig parse_pond_config(const std::string& text, const std::filesystem::path& file) {
  PondConfig c;
  c.file = file;
  c.exists = true;
  YamlTree tree = YamlTree::parse(text, "pond.yml");
  const YamlNode& root = tree.root();
  if (!root || root.is_null()) return c;
  Reader r(tree);
  // Keys other parts of pond own arrive with their issues; until then they are errors too, so
  // that nothing written in pond.yml is silently ignored.
  r.keys(root, "pond.yml",
         {"state", "retention", "pools", "run_queue", "partitions", "assets", "models", "schedules",
          "sensors", "ingest", "serve", "automation", "freshness", "notify"});
  if (const auto& v = root["state"]) c.state = r.name(v, "'state:'");
  if (const auto& v = root["retention"]) {
    r.keys(v, "'retention:'", {"events", "runs"});
    if (const auto& e = v["events"]) c.retention.events = r.duration(e, "retention 'events:'");
    if (const auto& e = v["runs"]) c.retention.runs = r.duration(e, "retention 'runs:'");
  }
  if (const auto& v = root["pools"]) {
    if (!v.is_map())
      r.fail(v, "'pools:' must map pool names to their limits", "e.g. pools: {postgres_source: 2}");
    for (std::size_t i = 0; i < v.size(); ++i)
      c.pools[r.name(v.key(i), "a pool name")] = r.integer(v.value(i), "a pool's limit", 1, 100000);
  }
  if (const auto& v = root["run_queue"]) {
    r.keys(v, "'run_queue:'", {"max_concurrent_runs", "tag_concurrency_limits"});
    if (const auto& m = v["max_concurrent_runs"])
      c.run_queue.max_concurrent_runs = r.integer(m, "'max_concurrent_runs:'", 1, 100000);
    if (const auto& t = v["tag_concurrency_limits"]) {
      if (!t.is_sequence()) r.fail(t, "'tag_concurrency_limits:' must be a list of {key, value, limit}");
      for (const auto& item : t.children) {
        r.keys(item, "a tag concurrency limit", {"key", "value", "limit"});
        if (!item["key"] || !item["limit"]) r.fail(item, "a tag concurrency limit needs 'key:' and 'limit:'");
        TagLimit l;
        l.key = r.name(item["key"], "'key:'");
        if (const auto& val = item["value"]) l.value = r.str(val, "'value:'");
        l.limit = r.integer(item["limit"], "'limit:'", 0, 100000);
        c.run_queue.tag_limits.push_back(std::move(l));
      }
    }
  }
  if (const auto& v = root["partitions"]) {
    if (!v.is_map()) r.fail(v, "'partitions:' must map names to partitions definitions");
    for (std::size_t i = 0; i < v.size(); ++i)
      c.partitions.push_back(read_partitions(r, r.name(v.key(i), "a partitions name"), v.value(i)));
  }
  if (const auto& v = root["assets"]) {
    if (!v.is_map()) r.fail(v, "'assets:' must map asset names to their definitions");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string name = r.name(v.key(i), "an asset name");
      for (char ch : name)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-'))
          r.fail(v.key(i), "asset name '" + name + "' may hold only letters, digits, '_' and '-'");
      if (!seen.insert(name).second) r.fail(v.key(i), "duplicate asset '" + name + "'");
      c.assets.push_back(read_asset(r, name, v.value(i)));
    }
  }
  if (const auto& v = root["models"]) {
    if (!v.is_sequence()) r.fail(v, "'models:' must be a list of {select: ..., ...} entries");
    for (const auto& item : v.children) c.models.push_back(read_model_rule(r, item));
  }
  if (const auto& v = root["schedules"]) {
    if (!v.is_map()) r.fail(v, "'schedules:' must map schedule names to {cron: ..., select: ...}");
    for (std::size_t i = 0; i < v.size(); ++i)
      c.schedules.push_back(read_schedule(r, r.name(v.key(i), "a schedule name"), v.value(i)));
  }
  if (const auto& v = root["sensors"]) {
    if (!v.is_map()) r.fail(v, "'sensors:' must map sensor names to {type: ..., select: ...}");
    for (std::size_t i = 0; i < v.size(); ++i)
      c.sensors.push_back(read_sensor(r, r.name(v.key(i), "a sensor name"), v.value(i)));
  }
  if (const auto& v = root["ingest"]) read_ingest(r, v, c);
  if (const auto& v = root["serve"]) read_serve(r, v, c);
  if (const auto& v = root["automation"]) {
    if (!v.is_sequence())
      r.fail(v, "'automation:' must be a list of blocks with 'select:'",
             "e.g. automation: [{select: [\"tag:hourly\"], eager: true}]");
    for (const auto& item : v.children) c.automation.push_back(read_automation(r, item, true));
  }
  if (const auto& v = root["freshness"]) {
    if (!v.is_sequence())
      r.fail(v, "'freshness:' must be a list of blocks with 'select:'",
             "e.g. freshness: [{select: [\"tag:daily\"], max_lag: 6h}]");
    for (const auto& item : v.children) c.freshness.push_back(read_freshness(r, item, true));
  }
  if (const auto& v = root["notify"]) {
    if (!v.is_map()) r.fail(v, "'notify:' must map names to {url_env: ..., on: [...]}");
    for (std::size_t i = 0; i < v.size(); ++i)
      c.notify.push_back(read_notify(r, r.name(v.key(i), "a notification name"), v.value(i)));
  }
  for (const auto& res : c.ingest)
    for (const auto& a : c.assets)
      if (a.name == res.name)
        throw UserError(res.where, "'" + res.name + "' is both an ingest resource and a command asset",
                        "asset names are unique across 'ingest:' and 'assets:'");
  check_references(r, tree, c);
  for (const auto& s : c.schedules) {
    if (s.partitions.empty()) continue;
    const PartitionsConfig* p = c.find_partitions(s.partitions);
    std::vector<std::string> names;
    for (const auto& d : c.partitions) names.push_back(d.name);
    if (!p)
      throw UserError(s.where, "schedule '" + s.name + "': unknown partitions '" + s.partitions + "'",
                      names.empty() ? "define it under partitions:" : "the partitions are: " + join(names));
  }
  return c;
}

PondConfig load_pond_config(const std::filesystem::path& project_root) {
  std::filesystem::path file = project_root / "pond.yml";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    PondConfig c;
    c.file = file;
    return c;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_pond_config(text.str(), file);
}

}  // namespace pond::orchestrate
