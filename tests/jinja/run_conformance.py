#!/usr/bin/env python3
"""Differential Jinja2 conformance: pond's engine against Python's Jinja2.

Every `cases/<feature>/<name>.j2` (files starting with `_` are helper templates for include/import,
not cases) is rendered twice: by `pond template render FILE [--context name.json]` and by Python's
Jinja2 in-process, in dbt's environment (`Environment(extensions=['jinja2.ext.do',
'jinja2.ext.loopcontrols'])`, a FileSystemLoader on the case's folder, the same JSON context).
A case passes when both outputs are identical, or when both fail (messages are not compared; -v
shows them). Cases named `err_*` are expected to fail in Python, every other case to render.

  run_conformance.py POND            run the suite against pond, print `N passed, M failed`
  run_conformance.py --python-only   only check that Python renders every case deterministically
                                     and as its name says (err_* fails, others render)
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

try:
    import jinja2
except ImportError:
    sys.stderr.write(
        "run_conformance.py: Python's jinja2 is missing (import jinja2 failed).\n"
        "Install it with scripts/setup (Debian package python3-jinja2) and run this\n"
        f"script with that interpreter (now: {sys.executable}).\n"
    )
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
TIMEOUT_S = 20


class Case:
    """One template, its optional JSON context, and the two outcomes."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.relpath(path, CASES)[: -len(".j2")]
        ctx = path[: -len(".j2")] + ".json"
        self.context_path = ctx if os.path.exists(ctx) else None
        self.expect_error = os.path.basename(self.name).startswith("err_")
        self.py_ok = self.py_out = None
        self.pond_ok = self.pond_out = None


def discover(filter_text):
    cases = []
    for root, dirs, files in os.walk(CASES):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".j2") and not f.startswith("_"):
                c = Case(os.path.join(root, f))
                if filter_text is None or filter_text in c.name:
                    cases.append(c)
    return cases


def load_context(case):
    if case.context_path is None:
        return {}
    with open(case.context_path, encoding="utf-8") as f:
        return json.load(f)


def python_render(case, envs=None):
    """(ok, output or error message) from Python's Jinja2 in dbt's environment.

    `envs` (folder -> Environment) shares one environment per case folder, as loading a template
    does not change an environment; without it every call starts from a fresh one.
    """
    folder = os.path.dirname(case.path)
    env = envs.get(folder) if envs is not None else None
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        )
        if envs is not None:
            envs[folder] = env
    try:
        template = env.get_template(os.path.basename(case.path))
        return True, template.render(load_context(case))
    except Exception as e:  # any failure counts; the message is informational
        return False, f"{type(e).__name__}: {e}"


def pond_render(pond, case):
    cmd = [pond, "template", "render", case.path]
    if case.context_path:
        cmd += ["--context", case.context_path]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_S}s"
    out = p.stdout.decode("utf-8", errors="replace")
    err = p.stderr.decode("utf-8", errors="replace").strip()
    if p.returncode == 0:
        return True, out
    if p.returncode == 1:
        return False, err
    # A crash or an unexpected exit code is never conformant, even where Jinja2 fails too.
    return None, f"exit code {p.returncode}: {err}"


def short(text, limit=400):
    r = repr(text)
    return r if len(r) <= limit else r[:limit] + "...'"


def report_failure(case, verbose):
    print(f"FAIL {case.name}")
    if case.pond_ok is None:
        print(f"  pond: {case.pond_out}")
    elif case.py_ok and not case.pond_ok:
        print(f"  expected: {short(case.py_out)}")
        print(f"  pond failed: {case.pond_out}")
    elif not case.py_ok and case.pond_ok:
        print(f"  Jinja2 failed: {case.py_out}")
        print(f"  pond rendered: {short(case.pond_out)}")
    else:
        print(f"  expected: {short(case.py_out)}")
        print(f"  actual:   {short(case.pond_out)}")
        diff = list(
            difflib.unified_diff(
                case.py_out.splitlines(True), case.pond_out.splitlines(True), "jinja2", "pond", n=1
            )
        )
        for line in diff[:20]:
            print("  " + line.rstrip("\n"))
    if verbose:
        print(f"  template: {case.path}")


def check_python(cases):
    """Each case renders or fails deterministically, as its name says, with no object addresses."""
    problems = 0
    for c in cases:
        ok, out = python_render(c)
        ok2, out2 = python_render(c)
        msg = None
        if (ok, out) != (ok2, out2):
            msg = "nondeterministic output"
        elif ok and c.expect_error:
            msg = f"named err_ but renders {short(out)}"
        elif not ok and not c.expect_error:
            msg = f"fails: {out}"
        elif ok and re.search(r" at 0x[0-9a-f]+", out):
            msg = f"output contains an object address: {short(out)}"
        if msg:
            problems += 1
            print(f"BAD {c.name}: {msg}")
    print(f"{len(cases) - problems} ok, {problems} bad (jinja2 {jinja2.__version__})")
    return problems == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pond", nargs="?", help="path to the pond binary")
    ap.add_argument("--python-only", action="store_true", help="validate the cases with Python's Jinja2 only")
    ap.add_argument("--dump", metavar="FILE", help="with --python-only: write Python's results as JSON")
    ap.add_argument("--filter", metavar="SUBSTRING", help="only cases whose name contains SUBSTRING")
    ap.add_argument("--list-failures", action="store_true", help="print only the names of failing cases")
    ap.add_argument("--min-pass-rate", type=float, default=0.99, help="exit 0 at or above this rate")
    ap.add_argument("-j", "--jobs", type=int, default=4, help="parallel pond processes (default 4)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show both error messages")
    args = ap.parse_args()

    cases = discover(args.filter)
    if not cases:
        print("no cases found", file=sys.stderr)
        return 2
    if args.python_only:
        good = check_python(cases)
        if args.dump:
            with open(args.dump, "w", encoding="utf-8") as f:
                json.dump({c.name: python_render(c) for c in cases}, f, indent=0, sort_keys=True)
        return 0 if good else 1
    if not args.pond:
        ap.error("the path to pond is required (or --python-only)")
    if not os.access(args.pond, os.X_OK):
        print(f"run_conformance.py: {args.pond} is not an executable pond binary", file=sys.stderr)
        return 2

    # pond runs in the pool while this thread renders the same cases with Jinja2.
    envs = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(pond_render, args.pond, c) for c in cases]
        for c in cases:
            c.py_ok, c.py_out = python_render(c, envs)
        for c, f in zip(cases, futures):
            c.pond_ok, c.pond_out = f.result()

    failed = []
    for c in cases:
        if c.pond_ok is None:
            passed = False
        elif c.py_ok:
            passed = c.pond_ok and c.pond_out == c.py_out
        else:
            passed = not c.pond_ok
            if passed and args.verbose:
                print(f"both fail {c.name}\n  Jinja2: {c.py_out}\n  pond:   {c.pond_out}")
        if not passed:
            failed.append(c)

    for c in failed:
        if args.list_failures:
            print(c.name)
        else:
            report_failure(c, args.verbose)
    if failed and not args.list_failures:
        by_folder = {}
        for c in failed:
            folder = c.name.split("/")[0]
            by_folder[folder] = by_folder.get(folder, 0) + 1
        print("failures by folder: " + ", ".join(f"{k} {v}" for k, v in sorted(by_folder.items())))
    n_pass = len(cases) - len(failed)
    print(f"{n_pass} passed, {len(failed)} failed")
    return 0 if n_pass / len(cases) >= args.min_pass_rate else 1


if __name__ == "__main__":
    sys.exit(main())
