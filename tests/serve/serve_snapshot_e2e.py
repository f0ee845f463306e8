"""End-to-end tests of session snapshot pinning in `pond serve` (`SET pond.snapshot = N`,
`SET pond.as_of = 'timestamp'`, `RESET pond.snapshot`, `SHOW pond.snapshot`) with psycopg2 and
psql, while a writer (`pond seed` after a seed file changed) commits between the reads: a pinned
session keeps reading its snapshot, an unpinned one sees the new rows, RESET goes back to the
newest; a role stays filtered while pinned.

usage: serve_snapshot_e2e.py POND_BINARY
"""
import datetime
import os
import shutil
import sys
import tempfile
import time
import unittest

import psycopg
import psycopg2
import psycopg2.errors

import serve_e2e
from serve_e2e import PASSWORD, Server, run

POND = None

ROLES = """
serve:
  roles:
    admins:
      admin: true
      members: [root]
    support:
      members: [alice]
      grants:
        - {schema: main, tables: [raw_customers]}
      row_filters:
        raw_customers: "id <= 10"
"""


class SnapshotPinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-snapshot-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        for user in ("root", "alice"):
            r = run([POND, "users", "add", user, "--password-stdin"], cls.project, input=PASSWORD + "\n")
            assert r.returncode == 0, r.stderr
        with open(os.path.join(cls.project, "pond.yml"), "a") as f:
            f.write(ROLES)
        cls.server = Server(cls.project)

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def connect(self, user="root"):
        conn = psycopg2.connect(f"host=127.0.0.1 port={self.server.port} user={user} password={PASSWORD} dbname=shop")
        conn.autocommit = True
        return conn

    def one(self, cur, sql):
        cur.execute(sql)
        return cur.fetchone()[0]

    def write_customers(self, rows):
        """A writer: the seed file gets `rows` customers and `pond seed` commits a new snapshot."""
        path = os.path.join(self.project, "seeds", "raw_customers.csv")
        with open(path, "w") as f:
            f.write("id,first_name,last_name\n")
            for i in range(1, rows + 1):
                f.write(f"{i},Name{i},L{i}.\n")
        r = run([POND, "seed", "--select", "raw_customers"], self.project)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_pinned_session_keeps_its_snapshot_while_a_writer_commits(self):
        pinned, live = self.connect(), self.connect()
        p, l = pinned.cursor(), live.cursor()
        before = self.one(l, "select count(*) from raw_customers")
        self.assertEqual(self.one(p, "show pond.snapshot"), "latest")
        snapshot = self.latest_snapshot()
        p.execute(f"set pond.snapshot = {snapshot}")
        self.assertEqual(self.one(p, "show pond.snapshot"), str(snapshot))
        time.sleep(1.1)  # a timestamp strictly between the two snapshots
        between = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        time.sleep(1.1)
        self.write_customers(before + 7)
        self.assertEqual(self.one(l, "select count(*) from raw_customers"), before + 7)  # the writer's rows
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before)      # pinned: not
        self.assertEqual(self.one(p, "select count(*) from main.raw_customers"), before)
        self.assertEqual(self.one(p, "select count(*) from raw_orders o join raw_customers c on o.user_id = c.id"),
                         self.one(l, "select count(*) from raw_orders o join raw_customers c on o.user_id = c.id "
                                     f"where c.id <= {before}"))
        self.write_customers(before + 9)  # another commit: still pinned
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before)
        # as_of: the snapshot at a time between the two writes
        p.execute(f"set pond.as_of = '{between}'")
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before)
        p.execute("reset pond.snapshot")
        self.assertEqual(self.one(p, "show pond.snapshot"), "latest")
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before + 9)
        p.execute(f"set pond.snapshot to {snapshot}")
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before)
        p.execute("set pond.snapshot = latest")
        self.assertEqual(self.one(p, "select count(*) from raw_customers"), before + 9)
        pinned.close()
        live.close()

    def test_a_prepared_statement_sees_later_commits(self):
        """As in PostgreSQL, each execution of a statement prepared once reads the newest snapshot,
        also when the connection runs nothing else in between (pgbench -M prepared, JDBC)."""
        with psycopg.connect(f"host=127.0.0.1 port={self.server.port} user=root password={PASSWORD} dbname=shop",
                             autocommit=True) as conn:
            count = "select count(*) from raw_customers where id > %s"
            before = conn.execute(count, (0,), prepare=True).fetchone()[0]
            self.assertEqual(conn.execute(count, (0,), prepare=True).fetchone()[0], before)
            self.write_customers(before + 3)
            self.assertEqual(conn.execute(count, (0,), prepare=True).fetchone()[0], before + 3)
            self.assertEqual(conn.execute(count, (before,), prepare=True).fetchone()[0], 3)

    def latest_snapshot(self):
        r = run([POND, "lake", "snapshots", "--output", "json"], self.project)
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        return max(row["snapshot_id"] for row in json.loads(r.stdout))

    def test_bad_values_and_transactions(self):
        conn = self.connect()
        cur = conn.cursor()
        for sql, code in (("set pond.snapshot = 999999", "22023"),
                          ("set pond.snapshot = 'x'", "22023"),
                          ("set pond.as_of = '1999-01-01'", "22023"),
                          ("set pond.as_of = 'yesterday'", "22023")):
            with self.assertRaises(psycopg2.Error, msg=sql) as ctx:
                cur.execute(sql)
            self.assertEqual(ctx.exception.pgcode, code, sql)
        self.assertEqual(self.one(cur, "show pond.snapshot"), "latest")
        cur.execute("begin")
        with self.assertRaises(psycopg2.Error) as ctx:
            cur.execute("set pond.snapshot = 1")
        self.assertEqual(ctx.exception.pgcode, "25001")
        cur.execute("rollback")
        conn.close()

    def test_role_stays_filtered_when_pinned(self):
        conn = self.connect("alice")
        cur = conn.cursor()
        cur.execute(f"set pond.snapshot = {self.latest_snapshot()}")
        self.assertEqual(self.one(cur, "select count(*) from raw_customers"), 10)
        self.assertEqual(self.one(cur, "select max(id) from raw_customers"), 10)
        with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("select count(*) from raw_orders")
        conn.close()

    def test_psql_pins_with_set(self):
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        snapshot = self.latest_snapshot()
        r = run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.server.port), "-U", "root", "-d", "shop",
                 "-v", "ON_ERROR_STOP=1", "-c", f"set pond.snapshot = {snapshot}", "-c", "show pond.snapshot"],
                self.project, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["SET", str(snapshot)])


if __name__ == "__main__":
    POND = os.path.abspath(sys.argv.pop(1))
    serve_e2e.POND = POND
    unittest.main(verbosity=2)
