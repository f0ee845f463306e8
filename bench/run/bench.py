#!/usr/bin/env python3
"""bench/run: the real `pond run` against the physical limit (bench/run/run builds and calls this).

The physical limit is the same statements pond executed (its target/run/ files, in its order at
threads=1) run one after another by a minimal program on DuckDB's C API (run_baseline). Both are
timed as processes in the same run, rounds alternate the variants, medians are reported.

  bench.py --pond P --baseline B --dir D [--models N] [--orders N] [--repeat N] [--only small|jaffle]

(a) N small models: 20 roots over range(), then each model refs one model 20-40 before it; one
    in ten a view; schemas staging/marts. pond at threads=1 (target ratio <= 1.3) and 2.
(b) a jaffle-shop-like project (9 models) over generated sources: N orders, N/10 customers,
    1.2 N payments (target ratio <= 1.05).
"""
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def project(d, name):
    write(os.path.join(d, "dbt_project.yml"),
          f"name: '{name}'\nversion: '1.0.0'\nconfig-version: 2\nprofile: '{name}'\n"
          "model-paths: ['models']\ntarget-path: 'target'\n")
    write(os.path.join(d, "profiles.yml"),
          f"{name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: bench.duckdb\n"
          "      threads: 1\n")


def small(d, n):
    project(d, "bench")
    rng = random.Random(42)
    for i in range(n):
        name = f"m{i:04d}"
        mat = "view" if i % 10 == 9 else "table"
        schema = "marts" if i % 2 else "staging"
        head = f"{{{{ config(materialized='{mat}', schema='{schema}') }}}}\n"
        if i < 20:
            body = f"select range as id, range % 7 as k, 'row ' || range as s from range({50 + i})\n"
        else:
            p = rng.randint(max(0, i - 40), i - 20)
            body = (f"select id, k + {i % 5} as k, s from {{{{ ref('m{p:04d}') }}}} "
                    f"where id % 3 <> {i % 3}\n")
        write(os.path.join(d, "models", name + ".sql"), head + body)
    # dbt's generate_schema_name would make 'main_staging'; the plain name keeps the SQL short.
    write(os.path.join(d, "macros", "schema.sql"),
          "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
          "{{ custom_schema_name or target.schema }}\n{%- endmacro %}\n")


JAFFLE = {
    "staging/stg_customers": ("view", "select id as customer_id, first_name, last_name "
                              "from {{ source('raw', 'raw_customers') }}"),
    "staging/stg_orders": ("view", "select id as order_id, user_id as customer_id, order_date, status "
                           "from {{ source('raw', 'raw_orders') }}"),
    "staging/stg_payments": ("view", "select id as payment_id, order_id, payment_method, amount / 100 as amount "
                             "from {{ source('raw', 'raw_payments') }}"),
    "marts/customer_orders": ("table", "select customer_id, min(order_date) as first_order, "
                              "max(order_date) as most_recent_order, count(order_id) as number_of_orders "
                              "from {{ ref('stg_orders') }} group by customer_id"),
    "marts/customer_payments": ("table", "select o.customer_id, sum(p.amount) as total_amount "
                                "from {{ ref('stg_payments') }} p left join {{ ref('stg_orders') }} o "
                                "on p.order_id = o.order_id group by o.customer_id"),
    "marts/order_payments": ("table", "select order_id,\n"
                             "{% for m in ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}"
                             "  sum(case when payment_method = '{{ m }}' then amount else 0 end) as {{ m }}_amount,\n"
                             "{% endfor %}"
                             "  sum(amount) as total_amount from {{ ref('stg_payments') }} group by order_id"),
    "marts/customers": ("table", "select c.customer_id, c.first_name, c.last_name, co.first_order, "
                        "co.most_recent_order, co.number_of_orders, cp.total_amount as customer_lifetime_value "
                        "from {{ ref('stg_customers') }} c "
                        "left join {{ ref('customer_orders') }} co on c.customer_id = co.customer_id "
                        "left join {{ ref('customer_payments') }} cp on c.customer_id = cp.customer_id"),
    "marts/orders": ("table", "select o.order_id, o.customer_id, o.order_date, o.status, op.credit_card_amount, "
                     "op.coupon_amount, op.bank_transfer_amount, op.gift_card_amount, op.total_amount as amount "
                     "from {{ ref('stg_orders') }} o left join {{ ref('order_payments') }} op "
                     "on o.order_id = op.order_id"),
    "marts/daily_revenue": ("table", "select order_date, status, count(*) as orders, sum(amount) as revenue "
                            "from {{ ref('orders') }} group by all"),
}


def jaffle(d, orders):
    project(d, "jaffle")
    for path, (mat, sql) in JAFFLE.items():
        write(os.path.join(d, "models", path + ".sql"),
              f"{{{{ config(materialized='{mat}') }}}}\n{sql}\n")
    write(os.path.join(d, "models", "staging", "sources.yml"),
          "version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n"
          "      - name: raw_customers\n      - name: raw_orders\n      - name: raw_payments\n")
    customers = max(1, orders // 10)
    payments = orders + orders // 5
    return (f"create or replace table main.raw_customers as select range as id, 'first' || range as first_name, "
            f"'last' || (range % 1000) as last_name from range({customers});\n"
            f"create or replace table main.raw_orders as select range as id, (hash(range) % {customers})::bigint "
            f"as user_id, date '2020-01-01' + (range % 1000)::int as order_date, "
            f"['placed', 'shipped', 'completed', 'return_pending', 'returned'][1 + range % 5] as status "
            f"from range({orders});\n"
            f"create or replace table main.raw_payments as select range as id, range % {orders} as order_id, "
            f"['credit_card', 'coupon', 'bank_transfer', 'gift_card'][1 + range % 4] as payment_method, "
            f"(hash(range) % 10000)::int as amount from range({payments});\n")


def timed(cmd, cwd):
    """Wall seconds and CPU seconds (user+sys, the process and its threads) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def statement_list(d):
    """The files of target/run/ in the order pond ran them (run_results.json at threads=1)."""
    manifest = json.load(open(os.path.join(d, "target", "manifest.json")))
    results = json.load(open(os.path.join(d, "target", "run_results.json")))["results"]
    out = []
    for r in results:
        if r["status"] != "success":
            sys.exit(f"{r['unique_id']}: {r['status']}: {r.get('message')}")
        n = manifest["nodes"][r["unique_id"]]
        out.append(os.path.join(d, "target", "run", n["package_name"], n["original_file_path"]))
    return out


SETTINGS = ("select string_agg(name || '=' || value, ', ' order by name) as settings from duckdb_settings() "
            "where name in ('threads', 'memory_limit', 'checkpoint_threshold', 'wal_autocheckpoint', "
            "'preserve_insertion_order', 'max_temp_directory_size', 'temp_directory', 'access_mode', "
            "'default_block_size', 'storage_compatibility_version')")


def settings(args, d):
    """DuckDB's settings as each side opens the database: pond (the same open as pond run) and
    run_baseline. Both must compute with the same threads, memory and checkpointing."""
    db = os.path.join(d, "bench.duckdb")
    base = subprocess.run([args.baseline, db, "-c", f"COPY ({SETTINGS}) TO '/dev/stdout' (FORMAT csv, HEADER false)"],
                          capture_output=True, text=True, check=True).stdout.strip().strip('"')
    out = subprocess.run([args.pond, "show", "--inline", SETTINGS, "-o", "json"], cwd=d,
                         capture_output=True, text=True, check=True).stdout
    pond = json.loads(out[out.index("["):])[0]["settings"]
    if pond == base:
        print(f"  DuckDB settings identical on both sides: {pond}")
    else:
        print(f"  DuckDB settings DIFFER: pond {pond}\n                          C API {base}")


def compare(args, name, d, n, target):
    timed([args.pond, "run", "--threads", "1"], d)  # warm-up: relations exist, target/run/ written
    settings(args, d)
    listing = os.path.join(args.dir, name + ".list")
    with open(listing, "w") as f:
        f.write("\n".join(statement_list(d)) + "\n")
    variants = {
        "base": [args.baseline, os.path.join(d, "bench.duckdb"), listing],
        "t1": [args.pond, "run", "--threads", "1"],
        "t2": [args.pond, "run", "--threads", "2"],
    }
    order = list(variants)
    runs = {k: [] for k in order}
    for r in range(args.repeat):
        for k in range(3):
            v = order[(k + r) % 3]
            runs[v].append(timed(variants[v], d))
    med = statistics.median
    wall = {k: med(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: med(c for _, c in v) for k, v in runs.items()}
    # Each round's own ratio: both sides ran back to back, under about the same load.
    paired = med(t / b for (t, _), (b, _) in zip(runs["t1"], runs["base"]))
    ratio = wall["t1"] / wall["base"]
    fmt = lambda v: " ".join(f"{w:.2f}" for w, _ in v)
    print(f"  C API, the same statements sequentially: {wall['base']:8.3f} s wall, {cpu['base']:7.3f} s CPU"
          f"   (runs: {fmt(runs['base'])})")
    print(f"  pond run --threads 1:                    {wall['t1']:8.3f} s wall, {cpu['t1']:7.3f} s CPU"
          f"   (runs: {fmt(runs['t1'])})")
    print(f"  pond run --threads 2:                    {wall['t2']:8.3f} s wall, {cpu['t2']:7.3f} s CPU"
          f"   (runs: {fmt(runs['t2'])})")
    print(f"  ratio threads=1 / C API: {ratio:.3f} (median of per-round ratios {paired:.3f}; target <= {target:.2f})"
          f" {'ok' if ratio <= target else 'MISSED'}")
    print(f"  CPU ratio threads=1 / C API: {cpu['t1'] / cpu['base']:.3f}")
    print(f"  speed-up threads=2 over threads=1: {wall['t1'] / wall['t2']:.2f}x")
    print(f"  overhead per model (threads=1): {(wall['t1'] - wall['base']) * 1000 / n:+.3f} ms wall, "
          f"{(cpu['t1'] - cpu['base']) * 1000 / n:+.3f} ms CPU ({n} models)")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pond", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--orders", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=["small", "jaffle"])
    args = ap.parse_args()
    args.pond, args.baseline = os.path.abspath(args.pond), os.path.abspath(args.baseline)
    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    print(f"bench/run: pond run (the binary) vs the same statements on DuckDB's C API; median of {args.repeat}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} CPUs")
    if args.only in (None, "small"):
        d = os.path.join(args.dir, "small")
        small(d, args.models)
        print(f"(a) {args.models} small models (tables and views, layered DAG)")
        compare(args, "small", d, args.models, 1.3)
    if args.only in (None, "jaffle"):
        d = os.path.join(args.dir, "jaffle")
        sql = jaffle(d, args.orders)
        timed([args.baseline, os.path.join(d, "bench.duckdb"), "-c", sql], d)
        print(f"(b) jaffle-shop-like project: {len(JAFFLE)} models over {args.orders} orders")
        compare(args, "jaffle", d, len(JAFFLE), 1.05)
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
