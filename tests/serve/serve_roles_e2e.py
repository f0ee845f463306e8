"""End-to-end tests of roles, grants, row filters and column masks in `pond serve` (pond.yml
`serve: roles:`), with psql, psycopg2 and curl against the real binary over the seeded shop lake:
two roles see different rows and masked columns for the same query, every escape is tried as a
non-admin role and refused or filtered, the catalog shows each role its own tables, the HTTP API
applies the same rules to two tokens of two roles, and policies naming unknown tables or columns
stop `pond serve` at pond.yml:line:col.

usage: serve_roles_e2e.py POND_BINARY
"""
import csv
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import psycopg
import psycopg2
import psycopg2.errors

import serve_e2e
import serve_http_e2e
from serve_e2e import PASSWORD, run

ROLES = """
serve:
  users: serve_users
  roles:
    admins:
      admin: true
      members: [root]
    support:
      members: [alice]
      grants:
        - {schema: main, tables: [raw_customers, raw_orders]}
      row_filters:
        raw_orders: "status = 'completed'"
      column_masks:
        raw_customers: {last_name: "md5(last_name)"}
    finance:
      members: [bob]
      grants:
        - schema: main
      row_filters:
        raw_orders: "status <> 'completed'"
      column_masks:
        raw_customers: {first_name: null}
    regional:
      members: [carol, dave]
      grants:
        - {schema: main, tables: [raw_orders]}
      row_filters:
        raw_orders: "status = current_setting('pond.status')"
  user_settings:
    carol: {status: completed}
    dave: {Status: returned}
"""


class RolesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-roles-")
        r = run([serve_e2e.POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([serve_e2e.POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        lines, cls.tokens = [], {}
        for user in ("root", "alice", "bob", "carol", "dave"):
            r = run([serve_e2e.POND, "serve", "--hash-password", user], cls.project, input=PASSWORD + "\n")
            assert r.returncode == 0, r.stderr
            lines.append(r.stdout)
        for user in ("alice", "bob"):
            r = run([serve_e2e.POND, "serve", "--new-token", user], cls.project)
            assert r.returncode == 0, r.stderr
            lines.append(r.stdout)
            cls.tokens[user] = r.stderr.strip().splitlines()[-1]
        with open(os.path.join(cls.project, "serve_users"), "w") as f:
            f.write("".join(lines))
        cls.pond_yml = os.path.join(cls.project, "pond.yml")
        with open(cls.pond_yml) as f:
            cls.base_yml = f.read()
        assert "\nserve:" not in cls.base_yml
        with open(cls.pond_yml, "w") as f:
            f.write(cls.base_yml + ROLES)
        with open(os.path.join(cls.project, "seeds", "raw_orders.csv")) as f:
            statuses = [row["status"] for row in csv.DictReader(f)]
        cls.completed = statuses.count("completed")
        cls.returned = statuses.count("returned")
        cls.others = len(statuses) - cls.completed
        with open(os.path.join(cls.project, "seeds", "raw_customers.csv")) as f:
            cls.customers = list(csv.DictReader(f))
        cls.server = serve_http_e2e.HttpServer(cls.project)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def psql(self, sql, user, extra=("-At",)):
        env = dict(os.environ, PGPASSWORD=PASSWORD, PGCONNECT_TIMEOUT="10")
        return run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.server.pg_port), "-U", user, "-d", "shop",
                    "-v", "ON_ERROR_STOP=1", *extra, "-c", sql], self.project, env=env)

    def connect(self, user):
        conn = psycopg2.connect(f"host=127.0.0.1 port={self.server.pg_port} user={user} password={PASSWORD} "
                                "dbname=shop")
        conn.autocommit = True
        return conn

    def query(self, user, sql):
        conn = self.connect(user)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            conn.close()

    def refused(self, user, sql):
        """The SQLSTATE and message of the error `sql` gets (the test fails if it runs)."""
        conn = self.connect(user)
        try:
            cur = conn.cursor()
            with self.assertRaises(psycopg2.Error, msg=sql) as ctx:
                cur.execute(sql)
                cur.fetchall()
            return ctx.exception.pgcode, str(ctx.exception)
        finally:
            conn.close()

    # ---- two roles, the same query
    def test_roles_see_different_rows_with_psql(self):
        sql = "select count(*) from raw_orders"
        for user, expected in (("alice", self.completed), ("bob", self.others), ("root", self.completed + self.others)):
            r = self.psql(sql, user)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), str(expected), user)

    def test_user_settings_filter_per_user(self):
        """One role, two users: current_setting('pond.status') in the filter is each user's own."""
        self.assertGreater(self.returned, 0)
        sql = "select count(*) from raw_orders"
        self.assertEqual(self.query("carol", sql), [(self.completed,)])
        self.assertEqual(self.query("dave", sql), [(self.returned,)])
        self.assertEqual(self.query("dave", "select current_setting('pond.status'), current_setting('pond.none')"),
                         [("returned", None)])
        # A prepared statement (psycopg 3) binds the same setting.
        with psycopg.connect(f"host=127.0.0.1 port={self.server.pg_port} user=carol password={PASSWORD} "
                             "dbname=shop") as conn:
            rows = conn.execute("select count(*) from raw_orders where id > %s", (0,), prepare=True).fetchall()
            self.assertEqual(rows, [(self.completed,)])
        # Naming the table's rows another way does not lift the filter.
        self.assertEqual(self.query("carol", "select count(*) from raw_orders where status <> 'completed'"), [(0,)])

    def test_roles_see_different_masks_with_psycopg2(self):
        first = self.customers[0]
        sql = "select * from raw_customers order by id limit 1"
        self.assertEqual(self.query("alice", sql),
                         [(int(first["id"]), first["first_name"], hashlib.md5(first["last_name"].encode()).hexdigest())])
        self.assertEqual(self.query("bob", sql), [(int(first["id"]), None, first["last_name"])])
        self.assertEqual(self.query("root", sql), [(int(first["id"]), first["first_name"], first["last_name"])])
        # Every way of naming the columns reads the masked values.
        for sql in ("select columns(*)::varchar from raw_customers order by 1 limit 1",
                    "select * exclude (id) from raw_customers order by first_name limit 1",
                    "select last_name from (select * from raw_customers) c order by 1 limit 1"):
            for row in self.query("alice", sql):
                self.assertNotIn(row[-1], {c["last_name"] for c in self.customers}, sql)
        self.assertEqual(self.query("alice", "select count(*) from raw_customers where last_name = 'E.'"), [(0,)])

    def test_server_side_parameters_and_prepared_statements(self):
        # psycopg 3 sends Parse/Bind with $1: the parameterized statement is authorized too.
        with psycopg.connect(f"host=127.0.0.1 port={self.server.pg_port} user=alice password={PASSWORD} "
                             "dbname=shop") as conn:
            for prepare in (False, True):
                rows = conn.execute("select count(*) from raw_orders where id > %s", (0,), prepare=prepare).fetchall()
                self.assertEqual(rows, [(self.completed,)])
            with self.assertRaises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select count(*) from raw_payments where id > %s", (0,))

    def test_copy_to_stdout_is_authorized_like_select(self):
        import io
        first = self.customers[0]
        for user, statuses, masked in (("alice", {"completed"}, hashlib.md5(first["last_name"].encode()).hexdigest()),
                                       ("bob", None, first["last_name"])):
            conn = self.connect(user)
            try:
                cur = conn.cursor()
                buf = io.StringIO()
                cur.copy_expert("copy raw_orders (id, status) to stdout (format csv)", buf)
                rows = list(csv.reader(io.StringIO(buf.getvalue())))
                expected = self.completed if user == "alice" else self.others
                self.assertEqual(len(rows), expected, user)
                if statuses:
                    self.assertEqual({r[1] for r in rows}, statuses)
                else:
                    self.assertNotIn("completed", {r[1] for r in rows})
                buf = io.StringIO()
                cur.copy_expert("copy (select * from raw_customers order by id limit 1) to stdout", buf)
                fields = buf.getvalue().rstrip("\n").split("\t")
                self.assertEqual(fields[2], masked, user)
                if user == "bob":
                    self.assertEqual(fields[1], "\\N")  # first_name masked to null
            finally:
                conn.close()
        conn = self.connect("alice")
        try:
            with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
                conn.cursor().copy_expert("copy raw_payments to stdout", io.StringIO())
            with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
                conn.cursor().copy_expert("copy (select * from read_csv('/etc/passwd')) to stdout", io.StringIO())
        finally:
            conn.close()
        out = os.path.join(self.tmp, "psql_copy.csv")
        r = self.psql(f"\\copy (select count(*) from raw_orders) to '{out}' csv", "alice")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(f.read().strip(), str(self.completed))

    # ---- escapes, as a non-admin role
    def test_ungranted_table_is_refused_everywhere(self):
        code, message = self.refused("alice", "select * from raw_payments")
        self.assertEqual(code, "42501")
        self.assertIn("permission denied for table raw_payments", message)
        for sql in ("select (select max(amount) from raw_payments)",
                    "select id from raw_orders union all select id from raw_payments",
                    "with raw_orders as (select * from raw_payments) select * from raw_orders",
                    "select * from raw_orders where id in (select order_id from main.raw_payments)",
                    "summarize raw_payments",
                    "describe raw_payments"):
            self.assertEqual(self.refused("alice", sql)[0], "42501", sql)
        self.assertEqual(self.query("bob", "select count(*) > 0 from raw_payments"), [(True,)])
        # DuckDB's errors quote the statement; a role's would show its filter: not sent.
        code, message = self.refused("alice", "select nosuch from raw_orders")
        self.assertIn("nosuch", message)
        self.assertNotIn("completed", message)

    def test_files_settings_and_statements_are_refused(self):
        lake_files = glob.glob(os.path.join(self.project, "**", "*.parquet"), recursive=True)
        self.assertTrue(lake_files)
        for sql in (f"select * from read_parquet('{lake_files[0]}')",
                    f"select * from '{lake_files[0]}'",
                    "select * from read_csv('/etc/passwd')",
                    "select * from glob('*')",
                    "select * from duckdb_tables()",
                    f"attach '{self.tmp}/x.db'",
                    f"copy (select * from raw_orders) to '{self.tmp}/out.csv'",
                    "install httpfs", "load httpfs",
                    "set enable_external_access = true",
                    "set allowed_directories = ['/']",
                    "create table t as select * from raw_orders",
                    "explain analyze select * from raw_orders",
                    "show tables"):
            code, message = self.refused("alice", sql)
            self.assertEqual(code, "42501", sql + ": " + message)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.csv")))
        conn = self.connect("alice")
        cur = conn.cursor()
        cur.execute("set timezone = 'UTC'")  # client conventions stay allowed
        cur.execute("begin")
        cur.execute("select count(*) from raw_orders")
        self.assertEqual(cur.fetchall(), [(self.completed,)])
        cur.execute("commit")
        conn.close()

    def test_error_side_channel_sees_no_hidden_row(self):
        # Would fail with a hidden row's id if the predicate ran before the role's filter.
        for sql in ("select count(*) from raw_orders join (select 1 as k) "
                    "on (case when status <> 'completed' then error('leak ' || id) end) is null",
                    "select count(*) from raw_orders "
                    "where (case when status <> 'completed' then cast(status as integer) end) is null"):
            self.assertEqual(self.query("alice", sql), [(self.completed,)], sql)

    def test_summarize_and_describe_show_the_role_view(self):
        rows = self.query("alice", "summarize raw_orders")
        counts = {r[0]: r[10] for r in rows}
        self.assertEqual(set(counts.values()), {self.completed}, rows)
        status = [r for r in rows if r[0] == "status"][0]
        self.assertEqual((status[2], status[3]), ("completed", "completed"))
        self.assertEqual([r[0] for r in self.query("alice", "describe raw_customers")],
                         ["id", "first_name", "last_name"])

    # ---- the catalog per role
    def test_catalog_shows_each_role_its_tables(self):
        r = self.psql("\\dt", "alice", extra=())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("raw_orders", r.stdout)
        self.assertNotIn("raw_payments", r.stdout)
        r = self.psql("\\dt", "bob", extra=())
        self.assertIn("raw_payments", r.stdout)
        r = self.psql("\\d raw_customers", "alice", extra=())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("last_name", r.stdout)
        sql = ("select has_table_privilege('raw_payments', 'SELECT'), has_table_privilege('raw_orders', 'select'), "
               "(select count(*) from information_schema.tables where table_name like 'raw_%')")
        self.assertEqual(self.query("alice", sql), [(False, True, 2)])
        self.assertEqual(self.query("bob", sql), [(True, True, 3)])

    # ---- HTTP: two tokens, two roles
    def curl(self, user, path, data=None):
        args = ["curl", "-sS", "-g", "-w", "\n%{http_code}", "-H", f"Authorization: Bearer {self.tokens[user]}"]
        if data is not None:
            args += ["-H", "Content-Type: text/plain", "--data-binary", data]
        args.append(f"http://127.0.0.1:{self.server.http_port}{path}")
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        body, _, status = r.stdout.rpartition("\n")
        return int(status), body

    def test_http_tokens_map_to_roles(self):
        status, body = self.curl("alice", "/api/tables/raw_orders?columns=status")
        self.assertEqual(status, 200, body)
        self.assertEqual({row["status"] for row in json.loads(body)}, {"completed"})
        self.assertEqual(len(json.loads(body)), self.completed)
        status, body = self.curl("bob", "/api/tables/raw_orders?columns=status")
        self.assertEqual(status, 200, body)
        self.assertNotIn("completed", {row["status"] for row in json.loads(body)})
        status, body = self.curl("bob", "/api/tables/raw_customers?limit=1")
        self.assertEqual(json.loads(body)[0]["first_name"], None)
        # Parquet: the same role's rows and masks
        out = os.path.join(self.tmp, "alice.parquet")
        r = subprocess.run(["curl", "-sS", "-o", out, "-H", f"Authorization: Bearer {self.tokens['alice']}", "-H",
                            "Accept: application/vnd.apache.parquet",
                            f"http://127.0.0.1:{self.server.http_port}/api/tables/raw_orders?columns=status"],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = run([serve_e2e.POND, "show", "--inline", f"select status, count(*) as n from read_parquet('{out}') "
                     "group by status", "-o", "json"], self.project)
        self.assertEqual(json.loads(shown.stdout), [{"status": "completed", "n": self.completed}])
        status, body = self.curl("alice", "/api/tables/raw_payments")
        self.assertEqual(status, 403, body)
        self.assertIn("42501", body)
        status, body = self.curl("alice", "/api/sql", "select count(*) as n from raw_orders")
        self.assertEqual(json.loads(body), [{"n": self.completed}])
        status, body = self.curl("alice", "/api/sql", "select * from read_csv('/etc/passwd')")
        self.assertEqual(status, 403, body)
        status, body = self.curl("alice", "/api/schema")
        self.assertEqual({t["name"] for t in json.loads(body)["tables"]}, {"raw_customers", "raw_orders"})
        status, body = self.curl("bob", "/api/schema")
        self.assertEqual({t["name"] for t in json.loads(body)["tables"]},
                         {"raw_customers", "raw_orders", "raw_payments"})

    # ---- failed-login rate limiting (its own server: the block is per server and address)
    def test_failed_logins_block_the_address(self):
        server = serve_e2e.Server(self.project)
        try:
            env = dict(os.environ, PGCONNECT_TIMEOUT="10")

            def login(password):
                return run(["psql", "-X", "-h", "127.0.0.1", "-p", str(server.port), "-U", "alice", "-d", "shop",
                            "-At", "-c", "select 1"], self.project, env=dict(env, PGPASSWORD=password))
            for _ in range(5):
                r = login("wrong")
                self.assertIn('password authentication failed for user "alice"', r.stderr)
            r = login(PASSWORD)  # the right password, but too late
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("too many failed logins from 127.0.0.1: try again in", r.stderr)
            self.assertEqual(self.psql("select 1", "alice").stdout.strip(), "1")  # another server: unaffected
        finally:
            self.assertEqual(server.stop(), 0)

    # ---- policies that do not fit the lake
    def start_with(self, roles):
        with open(self.pond_yml, "w") as f:
            f.write(self.base_yml + roles)
        try:
            return run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0"], self.project)
        finally:
            with open(self.pond_yml, "w") as f:
                f.write(self.base_yml + ROLES)

    def test_policy_errors_stop_serve_at_their_place(self):
        line = self.base_yml.count("\n") + 1  # the first line of the appended serve: section
        cases = [
            ("\nserve:\n  users: serve_users\n  roles:\n    r:\n      members: [alice]\n"
             "      grants: [{schema: main, tables: [nosuch]}]\n",
             f"pond.yml:{line + 6}:", "no lake table or view 'main.nosuch'"),
            ("\nserve:\n  users: serve_users\n  roles:\n    r:\n      grants: [{schema: main}]\n"
             "      column_masks: {raw_customers: {phone: null}}\n",
             f"pond.yml:{line + 6}:", "'raw_customers' has no column 'phone'"),
            ("\nserve:\n  users: serve_users\n  roles:\n    r:\n      grants: [{schema: main}]\n"
             "      row_filters: {raw_orders: \"stats = 'x'\"}\n",
             f"pond.yml:{line + 6}:", "the row filter of 'raw_orders' does not run"),
            ("\nserve:\n  users: serve_users\n  roles:\n    r:\n      grant: [{schema: main}]\n",
             f"pond.yml:{line + 5}:", "unknown key 'grant'"),
            ("\nserve:\n  users: serve_users\n  roles:\n    a: {members: [alice]}\n    b: {members: [alice]}\n",
             f"pond.yml:{line + 5}:", "user 'alice' is a member of both 'a' and 'b'"),
            ("\nserve:\n  users: serve_users\n  roles:\n    r:\n      grants: [{schema: main}]\n"
             "      row_filters: {raw_orders: \"status = current_setting('pond.region')\"}\n",
             f"pond.yml:{line + 6}:", "current_setting('pond.region'): no user has the setting 'region'"),
            ("\nserve:\n  users: serve_users\n  user_settings: {alice: {1x: a}}\n",
             f"pond.yml:{line + 3}:", "setting name '1x' is not a plain name"),
            ("\nserve:\n  roles:\n    r: {members: [alice]}\n",
             f"pond.yml:{line + 3}:", "serve 'roles:' needs a users file"),
        ]
        users = os.path.join(self.project, "serve_users")
        for roles, where, message in cases:
            # Without `users:` pond serve reads serve_users beside pond.yml when it exists
            # (`pond users add` writes it): the last case needs it gone.
            hidden = "users:" not in roles
            if hidden:
                os.rename(users, users + ".aside")
            try:
                r = self.start_with(roles)
            finally:
                if hidden:
                    os.rename(users + ".aside", users)
            self.assertNotEqual(r.returncode, 0, roles)
            self.assertIn(where, r.stderr, roles)
            self.assertIn(message, r.stderr, roles)


if __name__ == "__main__":
    serve_e2e.POND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
