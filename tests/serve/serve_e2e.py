"""End-to-end tests of `pond serve` with real PostgreSQL clients: psql, pgbench (libpq's
extended protocol), psycopg2 and psycopg 3 (server-side parameters), plus a raw-protocol client
for what no library exposes (row limits, malformed messages).

usage: serve_e2e.py POND_BINARY
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import psycopg
import psycopg2
import psycopg2.errors

POND = None
PASSWORD = "s3cret-pw"


def run(args, cwd, **kw):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


class Server:
    """A `pond serve` process on a free loopback port; stderr is drained into `log`."""

    def __init__(self, project, *extra):
        self.proc = subprocess.Popen([POND, "serve", "--listen", "127.0.0.1:0", *extra], cwd=project,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.log = []
        deadline = time.time() + 60
        while True:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("pond serve exited: " + "".join(self.log))
            self.log.append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
            if time.time() > deadline:
                raise RuntimeError("pond serve did not start")
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


def message(type_byte, body):
    return type_byte + struct.pack("!I", len(body) + 4) + body


class RawClient:
    """Speaks the protocol by hand (trust mode: no password)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)

    def startup(self, user="raw"):
        params = b"user\0" + user.encode() + b"\0database\0shop\0\0"
        body = struct.pack("!I", 196608) + params
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        return self.until(b"Z")

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("server closed the connection")
            data += chunk
        return data

    def read(self):
        t = self.recv_exact(1)
        (length,) = struct.unpack("!I", self.recv_exact(4))
        return t, self.recv_exact(length - 4)

    def until(self, stop):
        out = []
        while True:
            t, body = self.read()
            out.append((t, body))
            if t == stop:
                return out


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-")
        r = run([POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run([POND, "serve", "--hash-password", "alice"], cls.project, input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        cls.users = os.path.join(cls.tmp, "users")
        with open(cls.users, "w") as f:
            f.write("# pond serve users\n" + r.stdout)
        cls.auth = Server(cls.project, "--users", cls.users)
        cls.trust = Server(cls.project)

    @classmethod
    def tearDownClass(cls):
        codes = [cls.auth.stop(), cls.trust.stop()]
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert codes == [0, 0], codes

    def psql(self, sql, user="alice", password=PASSWORD, port=None, extra=()):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
        return run(["psql", "-X", "-h", "127.0.0.1", "-p", str(port or self.auth.port), "-U", user, "-d", "shop",
                    "-v", "ON_ERROR_STOP=1", *extra, "-c", sql], self.project, env=env)

    def dsn(self, port=None):
        return f"host=127.0.0.1 port={port or self.auth.port} user=alice password={PASSWORD} dbname=shop"

    # ---- authentication
    def test_psql_scram_query_over_lake_table(self):
        r = self.psql("select count(*), min(first_name) from raw_customers", extra=("-At",))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "100|Amanda")

    def test_wrong_password_and_unknown_user_get_the_same_error(self):
        wrong = self.psql("select 1", password="nope")
        unknown = self.psql("select 1", user="mallory", password=PASSWORD)
        self.assertNotEqual(wrong.returncode, 0)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn('password authentication failed for user "alice"', wrong.stderr)
        self.assertIn('password authentication failed for user "mallory"', unknown.stderr)
        self.assertEqual(wrong.stderr.replace("alice", "X"), unknown.stderr.replace("mallory", "X"))

    def test_trust_mode_without_users_file(self):
        r = self.psql("select 42", user="anyone", password="", port=self.trust.port, extra=("-At",))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "42")
        self.assertTrue(any("without a password" in line for line in self.trust.log), self.trust.log)

    # ---- psql catalog commands
    def test_psql_dt_lists_lake_tables(self):
        r = self.psql("\\dt")
        self.assertEqual(r.returncode, 0, r.stderr)
        for t in ("raw_customers", "raw_orders", "raw_payments"):
            self.assertIn(t, r.stdout)

    def test_psql_list_databases_and_schemas(self):
        r = self.psql("\\l")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("memory", r.stdout)
        r = self.psql("\\dn")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("main", r.stdout)
        self.assertNotIn("pond_catalog", r.stdout)

    def test_psql_describe_table(self):
        r = self.psql("\\d raw_customers")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("first_name", r.stdout)
        self.assertIn("last_name", r.stdout)

    # ---- psycopg2 (simple query protocol, client-side parameters)
    def test_psycopg2_query_error_and_recovery(self):
        conn = psycopg2.connect(self.dsn())
        try:
            cur = conn.cursor()
            cur.execute("select id, first_name, id > 50 as big from raw_customers where id = %s", (7,))
            row = cur.fetchone()
            self.assertEqual(row[0], 7)
            self.assertIs(row[2], False)
            self.assertEqual([d.name for d in cur.description], ["id", "first_name", "big"])
            with self.assertRaises(psycopg2.errors.UndefinedTable):
                cur.execute("select * from no_such_table")
            self.assertEqual(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INERROR)
            with self.assertRaises(psycopg2.errors.InFailedSqlTransaction):
                cur.execute("select 1")
            conn.rollback()
            cur.execute("select count(*) from raw_orders")
            self.assertEqual(cur.fetchone()[0], 100)
            conn.commit()
            self.assertEqual(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE)
        finally:
            conn.close()

    def test_psycopg2_types(self):
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        try:
            cur = conn.cursor()
            cur.execute("select 1::smallint, 2::bigint, 1.5::double, 12.34::decimal(10,2), 'x'::varchar, "
                        "date '2024-01-02', timestamp '2024-01-02 03:04:05', true, null::integer, [1,2]")
            row = cur.fetchone()
            import datetime
            import decimal
            self.assertEqual(row[:9], (1, 2, 1.5, decimal.Decimal("12.34"), "x", datetime.date(2024, 1, 2),
                                       datetime.datetime(2024, 1, 2, 3, 4, 5), True, None))
            self.assertEqual(row[9], "[1, 2]")  # lists arrive as DuckDB's text
        finally:
            conn.close()

    def test_cancel_own_query(self):
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        try:
            cur = conn.cursor()
            threading.Timer(0.5, conn.cancel).start()
            with self.assertRaises(psycopg2.errors.QueryCanceled):
                cur.execute("select count(*) from range(100000000000) a")
            cur.execute("select 1")
            self.assertEqual(cur.fetchone()[0], 1)
        finally:
            conn.close()

    # ---- extended protocol: psycopg 3 (server-side binding) and pgbench
    def test_psycopg3_extended_query_with_parameters(self):
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            rows = conn.execute("select id, first_name from raw_customers where id between %s and %s order by id",
                                (3, 5)).fetchall()
            self.assertEqual([r[0] for r in rows], [3, 4, 5])
            for i in range(3):  # prepared after repeated use (named statements)
                row = conn.execute("select first_name from raw_customers where id = %s", (1,), prepare=True).fetchone()
                self.assertEqual(row[0], "Fred")
            with self.assertRaises(psycopg.errors.UndefinedColumn):
                conn.execute("select no_such_column from raw_customers where id = %s", (1,))
            self.assertEqual(conn.execute("select %s::integer + 1", (41,)).fetchone()[0], 42)

    def test_pgbench_extended_and_prepared(self):
        script = os.path.join(self.tmp, "point.sql")
        with open(script, "w") as f:
            f.write("\\set id random(1, 100)\nselect first_name from raw_customers where id = :id;\n")
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        for mode in ("simple", "extended", "prepared"):
            r = run(["pgbench", "-n", "-h", "127.0.0.1", "-p", str(self.auth.port), "-U", "alice", "-M", mode,
                     "-c", "4", "-j", "2", "-t", "50", "-f", script, "shop"], self.project, env=env)
            self.assertEqual(r.returncode, 0, mode + ": " + r.stdout + r.stderr)
            self.assertIn("number of failed transactions: 0", r.stdout)

    def test_no_files_outside_the_lake_no_file_writes(self):
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        cur = conn.cursor()
        try:
            with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("select * from read_csv('/etc/passwd')")
            target = os.path.join(self.project, "lake", "data", "planted")
            for sql in (f"copy (select 1) to '{target}.csv'", f"export database '{target}'",
                        "attach ':memory:' as other", "install httpfs", "load httpfs"):
                with self.assertRaises(psycopg2.errors.InsufficientPrivilege, msg=sql):
                    cur.execute(sql)
            self.assertFalse(os.path.exists(target) or os.path.exists(target + ".csv"))
            with self.assertRaises(psycopg2.Error):
                cur.execute("set enable_external_access = true")
            with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("select * from read_csv('/etc/passwd')")
        finally:
            conn.close()

    # ---- COPY ... TO STDOUT
    def test_psql_backslash_copy_to_file_csv_and_text(self):
        out = os.path.join(self.tmp, "copy.csv")
        r = self.psql("\\copy (select id, first_name, null as n, 'a,b\"c' as q, '' as e from raw_customers "
                      f"where id <= 2 order by id) to '{out}' with csv header")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "COPY 2")
        with open(out) as f:
            self.assertEqual(f.read(), 'id,first_name,n,q,e\n1,Fred,,"a,b""c",""\n2,Kathleen,,"a,b""c",""\n')
        out = os.path.join(self.tmp, "copy.txt")
        r = self.psql(f"\\copy (select 1 as i, null as n, E'tab\\there\\nline\\\\slash' as t) to '{out}'")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "1\t\\N\ttab\\there\\nline\\\\slash\n")
        out = os.path.join(self.tmp, "copy_table.csv")
        r = self.psql(f"\\copy raw_orders (id, status) to '{out}' csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "COPY 100")
        with open(out) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 100)
        self.assertRegex(lines[0], r"^1,[a-z_]+$")

    def test_psycopg2_copy_expert(self):
        import io
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        try:
            cur = conn.cursor()
            buf = io.StringIO()
            cur.copy_expert("COPY (select id, first_name from raw_customers order by id limit 3) "
                            "TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';')", buf)
            self.assertEqual(buf.getvalue(), "id;first_name\n1;Fred\n2;Kathleen\n3;Shawn\n")
            self.assertEqual(cur.rowcount, 3)
            buf = io.StringIO()
            cur.copy_expert("copy raw_customers to stdout with null 'NULL'", buf)
            self.assertEqual(len(buf.getvalue().splitlines()), 100)
            self.assertEqual(buf.getvalue().splitlines()[0].split("\t")[:2], ["1", "Fred"])
            for sql, code in (("copy raw_customers to stdout (format binary)", "0A000"),
                              ("copy raw_customers from stdin", "0A000"),
                              ("copy raw_customers to stdout (bogus 1)", "42601"),
                              ("copy (select 1) to stdout (format text, quote '\"')", "0A000"),
                              (f"copy raw_customers to '{self.tmp}/planted.csv'", "42501"),
                              ("copy no_such_table to stdout", "42P01")):
                with self.assertRaises(psycopg2.Error, msg=sql) as ctx:
                    cur.copy_expert(sql, io.StringIO())
                self.assertEqual(ctx.exception.pgcode, code, sql)
            self.assertFalse(os.path.exists(f"{self.tmp}/planted.csv"))
            cur.execute("select 1")  # the session goes on
            self.assertEqual(cur.fetchone()[0], 1)
        finally:
            conn.close()

    def test_psycopg3_copy(self):
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            with conn.cursor().copy("copy (select id, [id, 2] as l from raw_orders where id < 3 order by id) "
                                    "to stdout (format csv)") as copy:
                data = b"".join(bytes(block) for block in copy)
            self.assertEqual(data, b'1,"[1, 2]"\n2,"[2, 2]"\n')

    def test_copy_over_extended_protocol(self):
        c = RawClient(self.trust.port)
        c.startup()
        sql = b"copy (select range as i from range(3)) to stdout\0"
        c.sock.sendall(message(b"P", b"\0" + sql + b"\0\0") + message(b"B", b"\0\0" + b"\0\0\0\0\0\0") +
                       message(b"D", b"P\0") + message(b"E", b"\0" + struct.pack("!I", 1)) + message(b"S", b""))
        msgs = c.until(b"Z")
        self.assertEqual([t for t, _ in msgs], [b"1", b"2", b"n", b"H", b"d", b"d", b"d", b"c", b"C", b"Z"])
        self.assertEqual(msgs[3][1], b"\0\0\1\0\0")  # text, one column in text
        self.assertEqual([body for t, body in msgs if t == b"d"], [b"0\n", b"1\n", b"2\n"])
        self.assertEqual(msgs[-2][1], b"COPY 3\0")

    # ---- raw protocol
    def test_row_limit_suspends_portal(self):
        c = RawClient(self.trust.port)
        c.startup()
        sql = b"select range as i from range(5)\0"
        c.sock.sendall(message(b"P", b"\0" + sql + b"\0\0") + message(b"B", b"\0\0" + b"\0\0\0\0\0\0") +
                       message(b"E", b"\0" + struct.pack("!I", 2)) + message(b"E", b"\0" + struct.pack("!I", 2)) +
                       message(b"E", b"\0" + struct.pack("!I", 2)) + message(b"S", b""))
        types = [t for t, _ in c.until(b"Z")]
        self.assertEqual(types, [b"1", b"2", b"D", b"D", b"s", b"D", b"D", b"s", b"D", b"C", b"Z"])

    def test_error_skips_to_sync(self):
        c = RawClient(self.trust.port)
        c.startup()
        c.sock.sendall(message(b"P", b"\0select * from nope\0\0\0") + message(b"B", b"\0\0\0\0\0\0\0\0") +
                       message(b"E", b"\0\0\0\0\0") + message(b"S", b"") + message(b"Q", b"select 1\0"))
        msgs = c.until(b"Z")
        self.assertEqual([t for t, _ in msgs], [b"E", b"Z"])
        self.assertIn(b"C42P01", msgs[0][1])
        self.assertEqual(msgs[-1][1], b"I")
        self.assertEqual([t for t, _ in c.until(b"Z")], [b"T", b"D", b"C", b"Z"])

    def test_malformed_messages_end_only_that_session(self):
        for garbage in (b"Q\xff\xff\xff\xff", b"Q\0\0\0\x08ab\0\0", b"?\0\0\0\x04", b"B\0\0\0\x05\0"):
            c = RawClient(self.trust.port)
            c.startup()
            c.sock.sendall(garbage)
            t, body = c.read()
            self.assertEqual(t, b"E")
            self.assertIn(b"C08P01", body)
        # an oversized startup packet and a bad protocol version
        c = RawClient(self.trust.port)
        c.sock.sendall(struct.pack("!I", 20000) + b"x" * 100)
        t, body = c.read()
        self.assertIn(b"C08P01", body)
        r = self.psql("select 1", port=self.trust.port, user="x", password="", extra=("-At",))
        self.assertEqual(r.stdout.strip(), "1")
        self.assertIsNone(self.trust.proc.poll())

    def test_ssl_request_answered_no(self):
        c = RawClient(self.trust.port)
        c.sock.sendall(struct.pack("!II", 8, 80877103))
        self.assertEqual(c.recv_exact(1), b"N")
        self.assertEqual(c.startup()[-1], (b"Z", b"I"))

    # ---- the lake changing under the server
    def test_new_snapshots_visible_and_readers_never_blocked(self):
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        cur = conn.cursor()
        with self.assertRaises(psycopg2.errors.UndefinedTable):
            cur.execute("select count(*) from customers")
        writer = subprocess.Popen([POND, "run"], cwd=self.project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        reads = 0
        while writer.poll() is None:
            cur.execute("select count(*) from raw_customers")
            self.assertEqual(cur.fetchone()[0], 100)
            reads += 1
        out = writer.stdout.read()
        self.assertEqual(writer.returncode, 0, out)
        self.assertGreater(reads, 0)
        cur.execute("select count(*) from customers")  # created by the run, no restart
        self.assertEqual(cur.fetchone()[0], 100)
        conn.close()


if __name__ == "__main__":
    POND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
