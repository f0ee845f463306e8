"""Load test of `pond serve` under a concurrent writer: pgbench in simple, extended and prepared
modes at once (`-c 16 -j 2 -T 10` each, 48 clients, a custom read script joining two lake tables)
while `pond seed` commits new snapshots of one of them in a loop: 0 failed transactions, every
transaction of every mode counted, the writer's commits visible afterwards. Bounded: 10 s of load.

usage: serve_load_e2e.py POND_BINARY
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import serve_e2e
from serve_e2e import PASSWORD, Server, run

POND = None
SCRIPT = """\\set id random(1, 100)
select c.first_name, count(o.id) from raw_customers c left join raw_orders o on o.user_id = c.id
 where c.id = :id group by c.first_name;
"""


class LoadTest(unittest.TestCase):
    def test_pgbench_three_modes_while_a_writer_commits(self):
        tmp = tempfile.mkdtemp(prefix="pond-serve-load-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        project = os.path.join(tmp, "shop")
        r = run([POND, "seed"], project)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run([POND, "users", "add", "bench", "--password-stdin"], project, input=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        server = Server(project, "--workers", "8")
        self.addCleanup(server.stop)
        script = os.path.join(tmp, "read.sql")
        with open(script, "w") as f:
            f.write(SCRIPT)
        seeds = os.path.join(project, "seeds", "raw_customers.csv")
        with open(seeds) as f:
            original = f.read()

        stop = threading.Event()
        commits, writer_errors = [], []

        def writer():
            # Each round rewrites raw_customers (100 or 101 rows): a new lake snapshot.
            n = 0
            while not stop.is_set():
                n += 1
                with open(seeds, "w") as f:
                    f.write(original + (f"{1000 + n},Extra{n},X.\n" if n % 2 else ""))
                w = run([POND, "seed", "--select", "raw_customers"], project)
                (commits if w.returncode == 0 else writer_errors).append(w.stdout + w.stderr)

        env = dict(os.environ, PGPASSWORD=PASSWORD)
        benches = {}
        for mode in ("simple", "extended", "prepared"):
            benches[mode] = subprocess.Popen(
                ["pgbench", "-n", "-h", "127.0.0.1", "-p", str(server.port), "-U", "bench", "-M", mode, "-c", "16",
                 "-j", "2", "-T", "10", "-f", script, "shop"],
                cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        thread = threading.Thread(target=writer)
        thread.start()
        outputs = {mode: p.communicate(timeout=120)[0] for mode, p in benches.items()}
        stop.set()
        thread.join(timeout=120)

        self.assertEqual(writer_errors, [])
        self.assertGreaterEqual(len(commits), 2, "the writer committed fewer than 2 snapshots during the load")
        for mode, out in outputs.items():
            self.assertEqual(benches[mode].returncode, 0, mode + ": " + out)
            self.assertIn("number of failed transactions: 0", out, mode)
            self.assertNotRegex(out, r"(?i)\berror\b", mode)
            processed = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
            self.assertGreater(processed, 0, mode)
            tps = re.search(r"tps = ([\d.]+)", out).group(1)
            print(f"{mode}: {processed} transactions, {tps} tps, {len(commits)} writer commits", file=sys.stderr)
        # The last commit is what a new statement sees.
        expected = 100 + (1 if len(commits) % 2 else 0)
        env["PGCONNECT_TIMEOUT"] = "10"
        r = run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(server.port), "-U", "bench", "-d", "shop", "-c",
                 "select count(*) from raw_customers"], project, env=env)
        self.assertEqual(r.stdout.strip(), str(expected), r.stderr)

    def test_a_stop_does_not_wait_for_a_busy_client(self):
        """A worker keeps a busy client's session between its statements; a stop still ends the
        server at once while pgbench keeps sending prepared statements."""
        tmp = tempfile.mkdtemp(prefix="pond-serve-stop-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        project = os.path.join(tmp, "shop")
        r = run([POND, "seed"], project)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        server = Server(project)
        script = os.path.join(tmp, "point.sql")
        with open(script, "w") as f:
            f.write("\\set id random(1, 100)\nselect first_name from raw_customers where id = :id;\n")
        bench = subprocess.Popen(
            ["pgbench", "-n", "-h", "127.0.0.1", "-p", str(server.port), "-U", "bench", "-M", "prepared", "-c", "2",
             "-j", "2", "-T", "60", "-f", script, "shop"],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(bench.kill)
        time.sleep(2)
        self.assertIsNone(bench.poll(), "pgbench ended early")
        started = time.monotonic()
        code = server.stop()
        self.assertLess(time.monotonic() - started, 10, "the server waited for its busy clients")
        self.assertEqual(code, 0)
        bench.communicate(timeout=60)


if __name__ == "__main__":
    POND = os.path.abspath(sys.argv.pop(1))
    serve_e2e.POND = POND
    unittest.main(verbosity=2)
