"""End-to-end tests of `pond serve --http-listen`, the HTTP table API, with curl against the real
binary over a real lake: bearer tokens from `pond serve --new-token`, GET /api/tables with
columns/filter/sort/limit/offset, POST /api/sql with the wire server's refusals, GET /api/schema,
JSON, CSV and Parquet by Accept (406 otherwise), chunked streaming of a large result.

usage: serve_http_e2e.py POND_BINARY
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import serve_e2e
from serve_e2e import PASSWORD, run


class HttpServer:
    """`pond serve` with the HTTP API on free loopback ports; stderr drained into `log`."""

    def __init__(self, project, *extra, env=None):
        self.proc = subprocess.Popen([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--http-listen",
                                      "127.0.0.1:0", *extra], cwd=project, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True, env=env)
        self.log = []
        self.http_port = self.pg_port = None
        deadline = time.time() + 60
        while self.pg_port is None:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("pond serve exited: " + "".join(self.log))
            self.log.append(line)
            m = re.search(r"HTTP table API listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.http_port = int(m.group(1))
            elif re.search(r"listening on 127\.0\.0\.1:(\d+)", line):
                self.pg_port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", line).group(1))
            if time.time() > deadline:
                raise RuntimeError("pond serve did not start")
        assert self.http_port, self.log
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-http-")
        r = run([serve_e2e.POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([serve_e2e.POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        lines = []
        r = run([serve_e2e.POND, "serve", "--hash-password", "alice"], cls.project, input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        lines.append(r.stdout)
        r = run([serve_e2e.POND, "serve", "--new-token", "alice"], cls.project)
        assert r.returncode == 0, r.stderr
        lines.append(r.stdout)
        cls.token = r.stderr.strip().splitlines()[-1]
        cls.token_line = r.stdout
        cls.users = os.path.join(cls.tmp, "users")
        with open(cls.users, "w") as f:
            f.write("".join(lines))
        # Its Parquet results are written under a TMPDIR of the test's, to see them deleted.
        cls.server_tmp = os.path.join(cls.tmp, "server_tmp")
        os.makedirs(cls.server_tmp)
        cls.auth = HttpServer(cls.project, "--users", cls.users, env=dict(os.environ, TMPDIR=cls.server_tmp))
        cls.trust = HttpServer(cls.project)

    @classmethod
    def tearDownClass(cls):
        codes = [cls.auth.stop(), cls.trust.stop()]
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert codes == [0, 0], codes

    def curl(self, path, token=None, accept=None, data=None, content_type="text/plain", server=None, headers=()):
        server = server or self.auth
        header_file = os.path.join(self.tmp, "headers")
        args = ["curl", "-sS", "-g", "-o", "-", "-D", header_file, "--max-time", "120"]
        if token is not None or (server is self.auth and token is None):
            args += ["-H", f"Authorization: Bearer {token if token is not None else self.token}"]
        if accept:
            args += ["-H", f"Accept: {accept}"]
        for h in headers:
            args += ["-H", h]
        if data is not None:
            args += ["-H", f"Content-Type: {content_type}", "--data-binary", data]
        args.append(f"http://127.0.0.1:{server.http_port}{path}")
        r = subprocess.run(args, capture_output=True, timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(header_file) as f:
            raw = f.read()
        status = int(raw.split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in raw.splitlines()[1:] if ":" in line)}
        return Reply(status, headers, r.stdout.decode())

    # ---- authentication
    def test_requests_need_a_valid_bearer_token(self):
        r = self.curl("/api/schema", token="")
        self.assertEqual(r.status, 401)
        self.assertIn("bearer token", r.json()["error"])
        self.assertEqual(r.headers.get("www-authenticate"), 'Bearer realm="pond"')
        r = self.curl("/api/schema", token="pond_" + "0" * 64)
        self.assertEqual(r.status, 401)
        self.assertEqual(self.curl("/api/schema").status, 200)
        self.assertFalse(any(self.token in line for line in self.auth.log))

    def test_the_users_file_holds_only_the_tokens_hash(self):
        self.assertNotIn(self.token, self.token_line)
        self.assertRegex(self.token_line, r"^alice token:sha256:[0-9a-f]{64}\n$")
        self.assertRegex(self.token, r"^pond_[0-9a-f]{64}$")

    def test_wire_server_still_takes_passwords_from_the_same_file(self):
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        r = run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.auth.pg_port), "-U", "alice", "-d", "shop",
                 "-c", "select count(*) from raw_orders"], self.project, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "100")

    def test_trust_mode_serves_loopback_and_checks_host(self):
        r = self.curl("/api/tables/raw_orders?limit=1", server=self.trust)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json()), 1)
        r = self.curl("/api/schema", server=self.trust, headers=("Host: evil.example",))
        self.assertEqual(r.status, 403)

    def test_http_listen_off_loopback_needs_users(self):
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--http-listen", "0.0.0.0:0"], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--http-listen is 0.0.0.0:0", r.stderr)

    # ---- GET /api/tables
    def test_table_with_columns_filter_sort(self):
        q = urllib.parse.urlencode({"columns": "id,first_name", "filter[id]le": "3", "sort": "-id"})
        r = self.curl("/api/tables/raw_customers?" + q)
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        self.assertEqual(r.json(), [{"id": 3, "first_name": "Shawn"}, {"id": 2, "first_name": "Kathleen"},
                                    {"id": 1, "first_name": "Fred"}])

    def test_table_operators_limit_offset(self):
        def ids(params):
            r = self.curl("/api/tables/raw_customers?" + urllib.parse.urlencode(params))
            self.assertEqual(r.status, 200, r.body)
            return [row["id"] for row in r.json()]

        self.assertEqual(ids({"columns": "id", "filter[id]in": "5,7,9", "sort": "id"}), [5, 7, 9])
        self.assertEqual(ids({"columns": "id", "filter[id]gt": "97", "sort": "id"}), [98, 99, 100])
        self.assertEqual(ids({"columns": "id", "filter[id]ge": "99", "filter[id]ne": "100", "sort": "id"}), [99])
        self.assertEqual(ids({"columns": "id", "filter[id]lt": "3", "sort": "-id"}), [2, 1])
        self.assertEqual(ids({"columns": "id", "filter[id]eq": "42"}), [42])
        self.assertEqual(ids({"columns": "id", "sort": "id", "limit": "3", "offset": "10"}), [11, 12, 13])
        r = self.curl("/api/tables/raw_customers?" + urllib.parse.urlencode(
            {"columns": "first_name", "filter[first_name]like": "Mich%", "sort": "first_name"}))
        names = [row["first_name"] for row in r.json()]
        self.assertTrue(names and all(n.startswith("Mich") for n in names), names)

    def test_values_are_bound_never_spliced(self):
        r = self.curl("/api/tables/raw_customers?" + urllib.parse.urlencode({"filter[first_name]": "x' OR '1'='1"}))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), [])
        r = self.curl("/api/tables/raw_customers?" + urllib.parse.urlencode({"columns": "id; drop table x"}))
        self.assertEqual(r.status, 400)
        self.assertIn("no column", r.json()["error"])

    def test_table_errors(self):
        r = self.curl("/api/tables/no_such_table")
        self.assertEqual(r.status, 404)
        r = self.curl("/api/tables/raw_customers?filter[id]between=1")
        self.assertEqual(r.status, 400)
        self.assertIn("unknown filter operator", r.json()["error"])
        r = self.curl("/api/tables/raw_customers?filter[id]eq=abc")
        self.assertEqual(r.status, 400)
        self.assertIn("22P02", r.json()["error"])

    def test_csv_by_accept_and_406_for_arrow(self):
        r = self.curl("/api/tables/raw_customers?columns=id,first_name&filter[id]le=2&sort=id", accept="text/csv")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers["content-type"].startswith("text/csv"))
        self.assertEqual(r.body, "id,first_name\r\n1,Fred\r\n2,Kathleen\r\n")
        for arrow in ("application/vnd.apache.arrow.stream", "application/vnd.apache.arrow.file"):
            r = self.curl("/api/tables/raw_customers", accept=arrow)
            self.assertEqual(r.status, 406)
            self.assertIn("Arrow IPC results are not supported", r.json()["error"])

    def parquet(self, path, data=None, token=None, accept="application/vnd.apache.parquet"):
        """Fetches `path` as Parquet; returns (status, headers, rows read back by DuckDB as JSON)."""
        out = os.path.join(self.tmp, "result.parquet")
        header_file = os.path.join(self.tmp, "headers")
        args = ["curl", "-sS", "-g", "-o", out, "-D", header_file, "--max-time", "120",
                "-H", f"Authorization: Bearer {token or self.token}", "-H", f"Accept: {accept}"]
        if data is not None:
            args += ["-H", "Content-Type: text/plain", "--data-binary", data]
        r = subprocess.run(args + [f"http://127.0.0.1:{self.auth.http_port}{path}"], capture_output=True,
                           timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(header_file) as f:
            raw = f.read()
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in raw.splitlines()[1:] if ":" in line)}
        status = int(raw.split()[1])
        if status != 200:
            with open(out) as f:
                return status, headers, json.loads(f.read())
        with open(out, "rb") as f:
            content = f.read()
        self.assertEqual((content[:4], content[-4:]), (b"PAR1", b"PAR1"))
        shown = run([serve_e2e.POND, "show", "--inline", f"select * from read_parquet('{out}')", "-o", "json",
                     "--limit", "-1"], self.project)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        return status, headers, json.loads(shown.stdout)

    def test_parquet_by_accept(self):
        path = "/api/tables/raw_customers?columns=id,first_name&filter[id]le=3&sort=-id"
        status, headers, rows = self.parquet(path)
        self.assertEqual(status, 200, rows)
        self.assertEqual(headers["content-type"], "application/vnd.apache.parquet")
        self.assertEqual(rows, self.curl(path).json())  # the same rows as JSON, in order
        self.assertEqual(rows[0], {"id": 3, "first_name": "Shawn"})
        status, _, rows = self.parquet("/api/sql", data="select 1.5::decimal(4,2) as d, [1, 2] as l, "
                                                        "{'a': 'x'} as s, date '2024-01-02' as day, null as n")
        self.assertEqual(status, 200, rows)
        self.assertEqual(rows, [{"d": 1.5, "l": "[1, 2]", "s": "{'a': x}", "day": "2024-01-02", "n": None}])
        shown = run([serve_e2e.POND, "show", "--inline", "select typeof(d) as d, typeof(l) as l, typeof(s) as s, "
                     f"l[2] as second, s.a as a from read_parquet('{self.tmp}/result.parquet')", "-o", "json"],
                    self.project)
        # nested types stay nested in Parquet (pond show prints them as text above)
        self.assertEqual(json.loads(shown.stdout), [{"d": "DECIMAL(4,2)", "l": "INTEGER[]", "s": "STRUCT(a VARCHAR)",
                                                     "second": 2, "a": "x"}])
        for accept in ("application/parquet", "application/x-parquet; q=0.9"):
            status, _, rows = self.parquet("/api/sql", data="select 42 as x", accept=accept)
            self.assertEqual(rows, [{"x": 42}])
        status, headers, _ = self.parquet("/api/sql", data="select range as i from range(300000)")
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        shown = run([serve_e2e.POND, "show", "--inline",
                     f"select count(*) as n, sum(i) as s from read_parquet('{self.tmp}/result.parquet')", "-o",
                     "json"], self.project)
        self.assertEqual(json.loads(shown.stdout), [{"n": 300000, "s": 300000 * 299999 // 2}])
        # the server's Parquet files are deleted once sent
        leftovers = [f for _, _, files in os.walk(self.server_tmp) for f in files]
        self.assertEqual(leftovers, [])

    def test_parquet_refusals(self):
        target = os.path.join(self.tmp, "planted.parquet")
        for sql in (f"select 1) to '{target}' (format parquet) --",
                    f"select 1) to '{target}' (format parquet) /*",
                    f"select 1 as x) to '{target}' (format parquet); select (1"):
            status, _, body = self.parquet("/api/sql", data=sql)
            self.assertIn(status, (400, 403), sql)
            self.assertFalse(os.path.exists(target), sql)
        status, _, body = self.parquet("/api/sql", data="select * from read_csv('/etc/passwd')")
        self.assertEqual(status, 403, body)
        status, _, body = self.parquet("/api/tables/no_such_table")
        self.assertEqual(status, 404, body)

    # ---- POST /api/sql
    def test_sql(self):
        r = self.curl("/api/sql", data="select count(*) as n, min(first_name) as first from raw_customers")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), [{"n": 100, "first": "Amanda"}])
        r = self.curl("/api/sql", data=json.dumps({"sql": "select 1.5::decimal(4,2) as d, true as b, null as z"}),
                      content_type="application/json")
        self.assertEqual(r.json(), [{"d": 1.5, "b": True, "z": None}])
        r = self.curl("/api/sql", data="select [1, 2] as l, {'a': 1} as s")
        self.assertEqual(r.json(), [{"l": "[1, 2]", "s": "{'a': 1}"}])

    def test_sql_refusals_match_the_wire_server(self):
        for sql in ("COPY raw_orders TO '" + os.path.join(self.tmp, "out.csv") + "'",
                    "ATTACH '" + os.path.join(self.tmp, "x.db") + "'", "INSTALL httpfs", "LOAD httpfs"):
            r = self.curl("/api/sql", data=sql)
            self.assertEqual(r.status, 403, sql)
            self.assertIn("42501", r.json()["error"])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.csv")))
        r = self.curl("/api/sql", data="select * from read_csv('/etc/passwd')")
        self.assertEqual(r.status, 403, r.body)
        r = self.curl("/api/sql", data="select 1; select 2")
        self.assertEqual(r.status, 400)
        self.assertIn("several statements", r.json()["error"])
        r = self.curl("/api/sql", data="selec 1")
        self.assertEqual(r.status, 400)
        self.assertIn("42601", r.json()["error"])
        r = self.curl("/api/sql", data="create table t (a int)")
        self.assertEqual(r.status, 400)
        self.assertIn("return rows", r.json()["error"])
        r = self.curl("/api/sql", data="a=1", content_type="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 415)

    def test_large_result_is_streamed_in_chunks(self):
        r = self.curl("/api/sql", data="select i, 'row ' || i as label from range(300000) t(i)", accept="text/csv")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("transfer-encoding"), "chunked")
        lines = r.body.split("\r\n")
        self.assertEqual(lines[0], "i,label")
        self.assertEqual(lines[-2], "299999,row 299999")
        self.assertEqual(len(lines), 300002)

    # ---- GET /api/schema
    def test_schema_lists_lake_tables_and_columns(self):
        r = self.curl("/api/schema")
        self.assertEqual(r.status, 200, r.body)
        tables = {t["name"]: t for t in r.json()["tables"]}
        self.assertEqual(set(tables), {"raw_customers", "raw_orders", "raw_payments"})
        cols = [c["name"] for c in tables["raw_customers"]["columns"]]
        self.assertEqual(cols, ["id", "first_name", "last_name"])
        self.assertEqual(tables["raw_customers"]["schema"], "main")


if __name__ == "__main__":
    serve_e2e.POND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
