#include "orchestrate/config.hpp"

#include <gtest/gtest.h>

namespace pond::orchestrate {

namespace {

PondConfig parse(const std::string& text) {
  return parse_pond_config(text, "pond.yml");
}

// The error's text for a config that must be refused.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(PondConfig, ReadsEveryPart) {
  PondConfig c = parse(R"(
state: postgres://localhost/pond
retention: {events: 30d, runs: 365d}
pools: {postgres_source: 2}
run_queue:
  max_concurrent_runs: 3
  tag_concurrency_limits:
    - {key: team, value: finance, limit: 1}
partitions:
  daily: {type: daily, start: 2024-01-01, timezone: Europe/Amsterdam, end_offset: 1}
  region: {type: static, values: [eu, us]}
  customers: {type: dynamic}
  daily_region: {type: multi, dimensions: {date: daily, region: region}}
assets:
  scores:
    run: python3 scripts/score.py
    deps: [fct_customers, {asset: raw_events, mapping: {type: time_window, start_offset: -1}}]
    partitions: daily
    produces: {table: ml.scores, format: parquet, partition_column: day}
    retry: {max: 3, delay: 10s, backoff: exponential, jitter: true}
    timeout: 10m
    pool: postgres_source
    checks: [{name: positive, blocking: true}, plain]
    env: {MODE: fast}
  export: {run: [./export.sh, --all], deps: ["+fct_revenue"]}
models:
  - {select: "tag:daily", partitions: daily, retry: {max: 2}}
)");
  EXPECT_EQ(c.state, "postgres://localhost/pond");
  EXPECT_EQ(c.retention.events->count(), 30 * 86400);
  EXPECT_EQ(c.pools.at("postgres_source"), 2);
  EXPECT_EQ(*c.run_queue.max_concurrent_runs, 3);
  ASSERT_EQ(c.run_queue.tag_limits.size(), 1u);
  EXPECT_EQ(*c.run_queue.tag_limits[0].value, "finance");
  ASSERT_EQ(c.partitions.size(), 4u);
  EXPECT_EQ(c.partitions[0].end_offset, 1);
  EXPECT_EQ(c.partitions[3].dimensions.size(), 2u);
  ASSERT_EQ(c.assets.size(), 2u);
  const AssetConfig& s = c.assets[0];
  EXPECT_EQ(s.shell, "python3 scripts/score.py");
  EXPECT_EQ(s.deps.size(), 2u);
  EXPECT_EQ(s.deps[1].mapping.type, MappingConfig::Type::kTimeWindow);
  EXPECT_EQ(s.deps[1].mapping.start_offset, -1);
  EXPECT_EQ(s.produces->partition_columns.at(""), "day");
  EXPECT_EQ(s.retry->backoff, RetryPolicy::Backoff::kExponential);
  EXPECT_EQ(s.retry->delay.count(), 10000);
  EXPECT_EQ(s.timeout->count(), 600000);
  EXPECT_TRUE(s.checks[0].blocking);
  EXPECT_FALSE(s.checks[1].blocking);
  EXPECT_EQ(c.assets[1].argv, (std::vector<std::string>{"./export.sh", "--all"}));
  EXPECT_EQ(c.models[0].retry->max, 2);
}

TEST(PondConfig, MissingOrEmptyIsDefaults) {
  PondConfig c = parse("");
  EXPECT_EQ(c.state, ".pond/state.db");
  EXPECT_TRUE(c.assets.empty());
}

TEST(PondConfig, UnknownKeysNameTheLineAndAGuess) {
  std::string e = error_of("assets:\n  a:\n    run: x\n    depz: [b]\n");
  EXPECT_TRUE(has(e, "pond.yml:4:5")) << e;
  EXPECT_TRUE(has(e, "unknown key 'depz'")) << e;
  EXPECT_TRUE(has(e, "did you mean 'deps'?")) << e;
  e = error_of("partitons: {}\n");
  EXPECT_TRUE(has(e, "pond.yml:1:1")) << e;
  EXPECT_TRUE(has(e, "did you mean 'partitions'?")) << e;
}

TEST(PondConfig, WrongTypesAndValues) {
  EXPECT_TRUE(has(error_of("pools: {a: many}\n"), "whole number")) << error_of("pools: {a: many}\n");
  EXPECT_TRUE(has(error_of("partitions:\n  d: {type: dayly, start: 2024-01-01}\n"), "did you mean 'daily'?"));
  EXPECT_TRUE(has(error_of("assets:\n  a: {run: x, timeout: soon}\n"), "duration"));
  EXPECT_TRUE(
      has(error_of("assets:\n  a: {run: x, retry: {backoff: random}}\n"), "constant, linear or exponential"));
  EXPECT_TRUE(has(error_of("assets:\n  a: {deps: [b]}\n"), "needs 'run:'"));
  EXPECT_TRUE(has(error_of("assets:\n  a: {run: x, produces: {table: nodot}}\n"), "schema.table"));
  EXPECT_TRUE(has(error_of("assets:\n  a: {run: x, env: {POND_ASSET: y}}\n"), "set by pond"));
  EXPECT_TRUE(has(error_of("assets:\n  a.b: {run: x}\n"), "letters, digits"));
}

TEST(PondConfig, ReferencesAreChecked) {
  std::string e = error_of(
      "partitions:\n  daily: {type: daily, start: 2024-01-01}\nassets:\n  a: {run: x, partitions: dayly}\n");
  EXPECT_TRUE(has(e, "pond.yml:4:27")) << e;
  EXPECT_TRUE(has(e, "did you mean 'daily'?")) << e;
  e = error_of("pools: {db: 1}\nassets:\n  a: {run: x, pool: dbb}\n");
  EXPECT_TRUE(has(e, "unknown pool 'dbb'")) << e;
  e = error_of(
      "partitions:\n  a: {type: daily, start: 2024-01-01}\n  b: {type: hourly, start: 2024-01-01}\n"
      "  m: {type: multi, dimensions: {x: a, y: b}}\n");
  EXPECT_TRUE(has(e, "two time dimensions")) << e;
  e = error_of("assets:\n  a: {run: x, produces: {table: s.t, partition_column: d}}\n");
  EXPECT_TRUE(has(e, "no 'partitions:'")) << e;
}

TEST(PondConfig, Mappings) {
  std::string e = error_of("assets:\n  a: {run: x, deps: [{asset: b, mapping: {type: identical}}]}\n");
  EXPECT_TRUE(has(e, "did you mean 'identity'?")) << e;
  e = error_of("assets:\n  a: {run: x, deps: [{asset: b, mapping: {type: static}}]}\n");
  EXPECT_TRUE(has(e, "needs 'map:'")) << e;
  PondConfig c = parse(
      "assets:\n  a: {run: x, deps: [{asset: b, mapping: {type: static, map: {eu: [west, north]}}}]}\n");
  EXPECT_EQ(c.assets[0].deps[0].mapping.static_map.at("eu").size(), 2u);
}

}  // namespace pond::orchestrate

namespace pond::orchestrate {

TEST(PondConfigIngest, ReadsResourcesWithDefaults) {
  PondConfig c = parse(R"yml(
ingest:
  events: {from: files, path: landing/events/*.jsonl.gz}
  customers:
    from: files
    path: landing/crm/*.csv
    delimiter: ";"
    null_strings: [NA, ""]
    columns: {amount: "DECIMAL(12,2)"}
    write: merge
    primary_key: [id, region]
    schema: crm
    table: customer_rows
  prices: {from: files, path: prices.tsv, write: replace, tags: [daily]}
)yml");
  ASSERT_EQ(c.ingest.size(), 3u);
  const auto& e = c.ingest[0];
  EXPECT_EQ(e.qualified_table(), "raw.events");
  EXPECT_EQ(e.write, ingest::WriteDisposition::kAppend);
  EXPECT_EQ(e.incremental, ingest::Incremental::kFiles);
  const auto& m = c.ingest[1];
  EXPECT_EQ(m.qualified_table(), "crm.customer_rows");
  EXPECT_EQ(m.csv.delimiter, ";");
  EXPECT_EQ(m.csv.null_strings, (std::vector<std::string>{"NA", ""}));
  EXPECT_EQ(m.primary_key, (std::vector<std::string>{"id", "region"}));
  EXPECT_EQ(m.columns.at("amount"), "DECIMAL(12,2)");
  EXPECT_EQ(c.ingest[2].incremental, ingest::Incremental::kNone);  // replace loads every file each time
  EXPECT_EQ(c.ingest[2].tags, std::vector<std::string>{"daily"});
}

TEST(PondConfigIngest, RefusesWhatItCannotDo) {
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, wirte: merge}\n"),
                  "pond.yml:2:33: unknown key 'wirte' in ingest resource 'a'"));
  EXPECT_TRUE(
      has(error_of("ingest:\n  a: {from: files, path: x.csv, wirte: merge}\n"), "did you mean 'write'?"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: kafka, path: x}\n"),
                  "'from:' must be files, rest, postgres or delta, not 'kafka'"));
  EXPECT_TRUE(
      has(error_of("ingest:\n  a: {from: postgres, connection: 'host=db', source_table: t, path: x}\n"),
          "unknown key 'path' in ingest resource 'a' (from: postgres)"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: postgres, connection: 'host=db', source_table: t, "
                           "parallel: {connections: 2}}\n"),
                  "'parallel:' needs 'connections:' and 'key:'"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.txt}\n"), "cannot tell the format"));
  EXPECT_TRUE(
      has(error_of("ingest:\n  a: {from: files, path: x.csv, write: merge}\n"), "needs 'primary_key:'"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, primary_key: id}\n"),
                  "belongs to write: merge"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.parquet, delimiter: ';'}\n"),
                  "belongs to csv and tsv files"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, write: replace, incremental: files}\n"),
                  "write: replace loads every file each time"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, write: upsert}\n"),
                  "'write:' must be one of append, replace, merge"));
  EXPECT_TRUE(
      has(error_of("ingest:\n  a: {from: files, path: x.csv}\n  b: {from: files, path: y.csv, table: a}\n"),
          "two ingest resources load raw.a"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv}\nassets:\n  a: {run: 'true'}\n"),
                  "both an ingest resource and a command asset"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, table: _pond_loads}\n"), "pond's own"));
}

TEST(PondConfigIngest, PostgresResources) {
  PondConfig c = parse(R"yml(
ingest:
  orders:
    from: postgres
    connection: "postgresql://loader@db:5432/shop"
    password: {env: PG_PASSWORD}
    source_table: '"Sales".orders'
    incremental: {cursor: updated_at, initial: "2024-01-01"}
    parallel: {connections: 4, key: id}
    write: merge
    primary_key: id
  totals: {from: postgres, connection: "${SHOP_URL}", query: "select 1 as one"}
)yml");
  ASSERT_EQ(c.ingest.size(), 2u);
  const auto& o = c.ingest[0];
  EXPECT_EQ(o.source, ingest::SourceKind::kPostgres);
  EXPECT_EQ(o.postgres.connection, "postgresql://loader@db:5432/shop");
  EXPECT_EQ(o.postgres.password, "${PG_PASSWORD}");
  EXPECT_EQ(o.postgres.source_table, "\"Sales\".orders");
  ASSERT_TRUE(o.postgres.incremental);
  EXPECT_EQ(o.postgres.incremental->cursor, "updated_at");
  EXPECT_EQ(o.postgres.incremental->initial, "\"2024-01-01\"");
  EXPECT_EQ(o.incremental, ingest::Incremental::kCursor);
  EXPECT_EQ(o.postgres.parallel, 4);
  EXPECT_EQ(o.postgres.parallel_key, "id");
  EXPECT_EQ(o.qualified_table(), "raw.orders");
  const auto& t = c.ingest[1];
  EXPECT_EQ(t.postgres.query, "select 1 as one");
  EXPECT_EQ(t.incremental, ingest::Incremental::kNone);
  EXPECT_EQ(t.write, ingest::WriteDisposition::kAppend);
}

TEST(PondConfigIngest, RestResources) {
  PondConfig c = parse(R"yml(
ingest:
  orders:
    from: rest
    base_url: https://api.example.com/v1/
    path: /orders
    params: {status: open, region: "${REGION}"}
    headers: {X-Team: {env: TEAM}}
    auth: {type: api_key, name: key, value: {env: API_KEY}, in: query}
    records: data.items
    paginator: {type: offset, limit: 50, total: meta.total, max_pages: 9}
    incremental: {cursor: meta.updated, param: since, initial: 100}
    timeout: 500ms
    retries: 2
    write: merge
    primary_key: id
  events: {from: rest, url: "https://x.io/e", paginator: link_header, incremental: {cursor: at, initial: "2024"}}
)yml");
  ASSERT_EQ(c.ingest.size(), 2u);
  const auto& o = c.ingest[0];
  EXPECT_EQ(o.source, ingest::SourceKind::kRest);
  EXPECT_EQ(o.rest.url, "https://api.example.com/v1/orders");
  EXPECT_EQ(o.rest.params[1], (std::pair<std::string, std::string>{"region", "${REGION}"}));
  EXPECT_EQ(o.rest.headers[0].second, "${TEAM}");
  EXPECT_EQ(o.rest.auth.type, ingest::AuthType::kApiKey);
  EXPECT_TRUE(o.rest.auth.key_in_query);
  EXPECT_EQ(o.rest.auth.key_value, "${API_KEY}");
  EXPECT_EQ(o.rest.paginator.type, ingest::PaginatorType::kOffset);
  EXPECT_EQ(o.rest.paginator.limit, 50);
  EXPECT_EQ(o.rest.paginator.max_pages, 9);
  EXPECT_EQ(o.rest.incremental->initial, "100");  // a number
  EXPECT_EQ(o.rest.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(o.incremental, ingest::Incremental::kCursor);
  EXPECT_EQ(c.ingest[1].rest.paginator.type, ingest::PaginatorType::kLinkHeader);
  EXPECT_EQ(c.ingest[1].rest.incremental->initial, "\"2024\"");  // quoted: a string
  EXPECT_EQ(c.ingest[1].rest.incremental->param, "");
}

TEST(PondConfigIngest, RestRefusesWhatItCannotDo) {
  auto rest = [](const std::string& more) {
    return error_of("ingest:\n  a: {from: rest, url: 'http://h/x', " + more + "}\n");
  };
  EXPECT_TRUE(has(rest("auth: {type: bearer, token: abc}"),
                  "is a secret: it must come from an environment variable"));
  EXPECT_TRUE(has(rest("auth: {type: bearer, token: abc}"), "pond.yml:2:"));
  EXPECT_TRUE(has(rest("auth: {type: baerer, token: abc}"), "did you mean 'bearer'?"));
  EXPECT_TRUE(has(rest("auth: {type: basic, username: u}"), "auth type basic needs 'password:'"));
  EXPECT_TRUE(has(rest("paginator: {type: cursor}"), "paginator cursor needs 'cursor:'"));
  EXPECT_TRUE(has(rest("paginator: link_headr"), "did you mean 'link_header'?"));
  EXPECT_TRUE(has(rest("paginator: {type: page, limit: 3}"), "unknown key 'limit'"));
  EXPECT_TRUE(has(rest("params: {a: '${1A}'}"), "not an environment variable name"));
  EXPECT_TRUE(has(rest("incremental: files"), "'incremental:' of a REST resource is none or"));
  EXPECT_TRUE(has(rest("write: replace, incremental: {cursor: at}"),
                  "an incremental cursor belongs to append and merge"));
  EXPECT_TRUE(has(rest("delimiter: ';'"), "unknown key 'delimiter'"));
  EXPECT_TRUE(has(rest("parallel: 4, paginator: link_header"),
                  "'parallel:' needs a paginator whose pages are known ahead"));
  EXPECT_TRUE(
      has(error_of("ingest:\n  a: {from: rest, url: 'ftp://h/x'}\n"), "must start with http:// or https://"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: rest}\n"), "needs 'url:' or 'base_url:'"));
  EXPECT_TRUE(has(error_of("ingest:\n  a: {from: files, path: x.csv, auth: {type: bearer}}\n"),
                  "unknown key 'auth'"));
}

TEST(PondConfig, Sensors) {
  PondConfig c = parse(
      "sensors:\n"
      "  landing: {type: files, path: landing, glob: '*.csv', select: [load], interval: 10s, enabled: "
      "false}\n"
      "  after: {type: asset, asset: stg_orders, select: ['fct_revenue+'], exclude: [tag:slow]}\n");
  ASSERT_EQ(c.sensors.size(), 2u);
  EXPECT_EQ(c.sensors[0].type, "files");
  EXPECT_EQ(c.sensors[0].path, "landing");
  EXPECT_EQ(c.sensors[0].glob, "*.csv");
  EXPECT_EQ(c.sensors[0].interval, std::chrono::seconds(10));
  EXPECT_FALSE(c.sensors[0].enabled);
  EXPECT_EQ(c.sensors[1].asset, "stg_orders");
  EXPECT_EQ(c.sensors[1].glob, "*");
  EXPECT_EQ(c.sensors[1].interval, std::chrono::seconds(30));
  EXPECT_EQ(c.sensors[1].exclude, std::vector<std::string>{"tag:slow"});

  std::string e = error_of("sensors:\n  s: {type: file, path: x, select: [a]}\n");
  EXPECT_TRUE(has(e, "pond.yml:2:")) << e;
  EXPECT_TRUE(has(e, "unknown type 'file'")) << e;
  EXPECT_TRUE(has(error_of("sensors:\n  s: {type: files, select: [a]}\n"), "needs 'path:'"));
  EXPECT_TRUE(has(error_of("sensors:\n  s: {type: asset, select: [a]}\n"), "needs 'asset:'"));
  EXPECT_TRUE(has(error_of("sensors:\n  s: {type: files, path: x}\n"), "needs 'select:'"));
  EXPECT_TRUE(
      has(error_of("sensors:\n  s: {type: asset, asset: a, path: x, select: [a]}\n"), "for type: files"));
  EXPECT_TRUE(has(error_of("sensors:\n  s: {type: files, path: x, select: [a], intervall: 5s}\n"),
                  "did you mean 'interval'"));
  EXPECT_TRUE(
      has(error_of("sensors:\n  s: {type: files, path: x, select: [a], interval: soon}\n"), "duration"));
}

}  // namespace pond::orchestrate
