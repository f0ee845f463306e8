"""End-to-end tests of `pond dev` running the PostgreSQL wire server of `pond serve` in the same
process as the UI and the daemon: with pond.yml's serve.pg.listen it answers psycopg2 with a
password and sees the lake's new snapshots; SIGTERM stops both; --no-serve leaves it out; a wire
server that cannot start (its port taken) fails `pond dev` with the reason.

usage: serve_dev_e2e.py POND_BINARY
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import psycopg2

import serve_e2e
from serve_e2e import PASSWORD, run

POND = None


class Dev:
    """A `pond dev` process; waits for the UI's and (when `serve`) the wire server's ports."""

    def __init__(self, project, *extra, serve=True):
        self.proc = subprocess.Popen([POND, "dev", "--port", "0", *extra], cwd=project, stderr=subprocess.STDOUT,
                                     stdout=subprocess.PIPE, text=True)
        self.log = []
        self.port = None
        deadline = time.time() + 90
        ui = False
        while not (ui and (self.port or not serve)):
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("pond dev exited: " + "".join(self.log))
            self.log.append(line)
            m = re.search(r"pond serve: listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
            if re.search(r"http://127\.0\.0\.1:\d+", line):
                ui = True
            if time.time() > deadline:
                raise RuntimeError("pond dev did not start: " + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.log.append(line)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


class DevServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-dev-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run([POND, "users", "add", "alice", "--password-stdin"], cls.project, input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        cls.yml = os.path.join(cls.project, "pond.yml")
        with open(cls.yml) as f:
            cls.original = f.read()

    def set_listen(self, listen):
        with open(self.yml, "w") as f:
            f.write(self.original + f"\nserve:\n  pg:\n    listen: '{listen}'\n")

    def test_dev_serves_the_lake_and_sees_new_snapshots(self):
        self.set_listen("127.0.0.1:0")
        dev = Dev(self.project)
        try:
            conn = psycopg2.connect(f"host=127.0.0.1 port={dev.port} user=alice password={PASSWORD} dbname=shop")
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("select count(*) from raw_customers")
            before = cur.fetchone()[0]
            self.assertGreater(before, 0)
            # A writer in another process: the next statement reads the new snapshot.
            path = os.path.join(self.project, "seeds", "raw_customers.csv")
            with open(path, "a") as f:
                f.write("1001,New,Customer\n")
            r = run([POND, "seed", "--select", "raw_customers"], self.project)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            cur.execute("select count(*) from raw_customers")
            self.assertEqual(cur.fetchone()[0], before + 1)
            with self.assertRaises(psycopg2.OperationalError):
                psycopg2.connect(f"host=127.0.0.1 port={dev.port} user=alice password=wrong dbname=shop")
            conn.close()
        finally:
            rc = dev.stop()
        log = "".join(dev.log)
        self.assertEqual(rc, 0, log)
        self.assertIn("pond serve: stopped", log)

    def test_a_project_without_a_lake_yet_is_served_empty(self):
        """Before the first run there is no lake: pond dev serves an empty one, then the run's tables."""
        tmp = tempfile.mkdtemp(prefix="pond-serve-dev-new-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        project = os.path.join(tmp, "shop")
        self.assertFalse(os.path.exists(os.path.join(project, "lake")))
        r = run([POND, "users", "add", "alice", "--password-stdin"], project, input=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(project, "pond.yml"), "a") as f:
            f.write("\nserve:\n  pg:\n    listen: '127.0.0.1:0'\n")
        dev = Dev(project)
        try:
            conn = psycopg2.connect(f"host=127.0.0.1 port={dev.port} user=alice password={PASSWORD} dbname=shop")
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("select count(*) from information_schema.tables where table_schema = 'main'")
            self.assertEqual(cur.fetchone()[0], 0)
            r = run([POND, "seed"], project)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            cur.execute("select count(*) from raw_customers")
            self.assertEqual(cur.fetchone()[0], 100)
            conn.close()
        finally:
            rc = dev.stop()
        self.assertEqual(rc, 0, "".join(dev.log))

    def test_no_serve_leaves_the_wire_server_out(self):
        self.set_listen("127.0.0.1:0")
        dev = Dev(self.project, "--no-serve", serve=False)
        time.sleep(1)
        rc = dev.stop()
        log = "".join(dev.log)
        self.assertEqual(rc, 0, log)
        self.assertNotIn("pond serve:", log)

    def test_a_wire_server_that_cannot_start_fails_dev(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        try:
            self.set_listen(f"127.0.0.1:{taken.getsockname()[1]}")
            r = subprocess.run([POND, "dev", "--port", "0"], cwd=self.project, capture_output=True, text=True,
                               timeout=60)
        finally:
            taken.close()
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"[Aa]ddress already in use|in use", r.stdout + r.stderr)


if __name__ == "__main__":
    POND = os.path.abspath(sys.argv.pop(1))
    serve_e2e.POND = POND
    unittest.main(verbosity=2)
