#!/usr/bin/env python3
"""Benchmark pond's Jinja engine against Python's Jinja2 in the same run.

  bench.py JINJA_BENCH [--reps N] [--renders N] [--rounds N] [--filter SUBSTRING] [--slowest N]
                      [--only corpus|heavy]

(a) the conformance corpus (tests/jinja/cases, the cases Jinja2 renders without error), each
    template parsed once and rendered --reps times;
(b) the dbt-like heavy model (tests/jinja/cases/dbt_like/heavy_model.j2: macros calling macros,
    loops over columns, set blocks, call blocks, filters), rendered --renders times in --rounds
    rounds; each round parses it once and times pond's renders, then Jinja2's.
Both sides use one environment per template folder (a file-system loader on it) and the same JSON
context; JINJA_BENCH is the C++ executable (bench/jinja/jinja_bench.cpp) that does pond's side.
Prints the times (CPU time of the rendering thread on both sides, which a busy machine disturbs
less than wall time) and the speed ratio (Python time / pond time).
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "jinja"))
import run_conformance as rc  # noqa: E402  (also checks that jinja2 is importable)

import jinja2  # noqa: E402

HEAVY = os.path.join(rc.CASES, "dbt_like", "heavy_model.j2")


def python_envs():
    envs = {}

    def env_for(folder):
        if folder not in envs:
            envs[folder] = jinja2.Environment(
                loader=jinja2.FileSystemLoader(folder),
                extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
            )
        return envs[folder]

    return env_for


def python_time(case_path, context_path, reps, env_for):
    """Seconds for `reps` renders of one template (parsed once), and the first output."""
    env = env_for(os.path.dirname(case_path))
    template = env.get_template(os.path.basename(case_path))
    ctx = {}
    if context_path:
        import json

        with open(context_path, encoding="utf-8") as f:
            ctx = json.load(f)
    out = template.render(ctx)
    start = time.thread_time()
    for _ in range(reps):
        template.render(ctx)
    return time.thread_time() - start, out


def run_pond(exe, args):
    p = subprocess.run([exe] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{exe} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def fmt_ratio(py, pond):
    return f"{py / pond:.1f}x" if pond > 0 else "n/a"


def heavy(args, env_for):
    """The heavy template in rounds, pond then Jinja2 in each, so that both sides of a round's ratio
    see the same machine load (this VM's speed drifts by tens of percent within a minute)."""
    ctx = HEAVY[: -len(".j2")] + ".json"
    rounds = max(1, min(args.rounds, args.renders))
    per_round = args.renders // rounds
    py_heavy = pond_heavy = 0.0
    ratios = []
    identical = True
    with tempfile.NamedTemporaryFile("r", suffix=".out", delete=False, encoding="utf-8") as f:
        out_path = f.name
    try:
        for _ in range(rounds):
            pond_t = float(run_pond(args.jinja_bench, ["heavy", HEAVY, ctx, str(per_round), out_path]).strip())
            with open(out_path, encoding="utf-8") as f:
                pond_out = f.read()
            py_t, py_out = python_time(HEAVY, ctx, per_round, env_for)
            identical = identical and pond_out == py_out
            py_heavy += py_t
            pond_heavy += pond_t
            ratios.append(py_t / max(pond_t, 1e-9))
    finally:
        os.unlink(out_path)
    renders = per_round * rounds
    rel = os.path.relpath(HEAVY, ROOT)
    print(f"(b) dbt-like heavy template {rel}: {renders} renders in {rounds} rounds, {len(py_out)} bytes each")
    print(f"    python jinja2 {jinja2.__version__}: {py_heavy:8.3f} s ({1000 * py_heavy / renders:.3f} ms/render)")
    print(f"    pond:                {pond_heavy:8.3f} s ({1000 * pond_heavy / renders:.3f} ms/render)")
    print(f"    speed ratio: {fmt_ratio(py_heavy, pond_heavy)} (total time)")
    if rounds > 1:
        print(f"    speed ratio per round: median {statistics.median(ratios):.1f}x,"
              f" min {min(ratios):.1f}x, max {max(ratios):.1f}x")
    print(f"    output identical to Jinja2: {'yes' if identical else 'NO'}")


def corpus(args, env_for):
    cases = [c for c in rc.discover(args.filter) if not c.expect_error]
    ok_cases = [c for c in cases if rc.python_render(c)[0]]

    # pond's side of the corpus: one line per case in, one line per case out.
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, encoding="utf-8") as f:
        for c in ok_cases:
            f.write(f"{c.name}\t{c.path}\t{c.context_path or ''}\n")
        manifest = f.name
    try:
        pond_lines = run_pond(args.jinja_bench, ["corpus", manifest, str(args.reps)]).splitlines()
    finally:
        os.unlink(manifest)
    pond_times = {}
    pond_failed = []
    for line in pond_lines:
        status, name, value = line.split("\t", 2)
        if status == "ok":
            pond_times[name] = float(value)
        else:
            pond_failed.append(name)

    py_total = pond_total = 0.0
    per_case = []
    for c in ok_cases:
        if c.name in pond_times:
            py = python_time(c.path, c.context_path, args.reps, env_for)[0]
            py_total += py
            pond_total += pond_times[c.name]
            per_case.append((py / max(pond_times[c.name], 1e-9), c.name, py, pond_times[c.name]))
    n = len(pond_times)
    print(f"(a) conformance corpus: {n} templates x {args.reps} renders")
    if pond_failed:
        print(f"    not timed: {len(pond_failed)} templates pond fails on: {', '.join(pond_failed[:8])}"
              + (" ..." if len(pond_failed) > 8 else ""))
    print(f"    python jinja2 {jinja2.__version__}: {py_total:8.3f} s")
    print(f"    pond:                {pond_total:8.3f} s")
    print(f"    speed ratio: {fmt_ratio(py_total, pond_total)} (total time)")
    if per_case:
        geo = math.exp(sum(math.log(max(r, 1e-9)) for r, *_ in per_case) / len(per_case))
        print(f"    speed ratio: {geo:.1f}x (geometric mean over templates)")
    if args.slowest:
        print(f"    lowest ratios (where pond gains least), of {args.reps} renders:")
        for ratio, name, py, pond in sorted(per_case)[: args.slowest]:
            print(f"      {ratio:6.1f}x  {name}  (jinja2 {1e6 * py / args.reps:.0f} us, pond {1e6 * pond / args.reps:.0f} us)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jinja_bench", help="path to the jinja_bench executable")
    ap.add_argument("--reps", type=int, default=20, help="renders per corpus template (default 20)")
    ap.add_argument("--renders", type=int, default=10000, help="renders of the heavy template (default 10000)")
    ap.add_argument("--rounds", type=int, default=10, help="rounds the heavy renders are split in (default 10)")
    ap.add_argument("--only", choices=["corpus", "heavy"], help="run only one of the two parts")
    ap.add_argument("--filter", help="only corpus cases whose name contains this")
    ap.add_argument("--slowest", type=int, default=5, help="list the N corpus templates with the lowest ratio")
    args = ap.parse_args()

    env_for = python_envs()
    print("CPU seconds of the rendering thread; templates parsed once, rendered many times")
    if args.only != "heavy":
        corpus(args, env_for)
    if args.only != "corpus":
        heavy(args, env_for)
    return 0


if __name__ == "__main__":
    sys.exit(main())
