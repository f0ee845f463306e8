"""End-to-end test of `pond serve` with the PostgreSQL JDBC driver (Debian's
libpostgresql-jdbc-java): PondJdbc.java calls the DatabaseMetaData methods DBeaver and DataGrip
call, runs prepared statements (binary parameters and results) and a fetch-size cursor, and
replays Metabase's sync SQL (MetabaseSync.java). It connects with SCRAM over TLS
(sslmode=verify-full against a test CA). The test compiles the program with javac into
OUT_DIR and compares its whole transcript.

usage: serve_jdbc_e2e.py POND_BINARY OUT_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import serve_e2e
from serve_e2e import PASSWORD, Server, run
from serve_tls_e2e import make_ca, make_server_cert

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = "/usr/share/java/postgresql.jar"
OUT_DIR = None

CUSTOMERS = "1 id int4 4 YES,2 first_name varchar 12 YES,3 last_name varchar 12 YES"
PAYMENTS = "1 id int4 4 YES,2 order_id int4 4 YES,3 payment_method varchar 12 YES,4 amount int4 4 YES"
EXPECTED = [
    "product: PostgreSQL 15",
    "catalogs: shop",
    "schemas: main",
    "tables: main.raw_customers TABLE,main.raw_orders TABLE,main.raw_payments TABLE",
    "columns raw_customers: " + CUSTOMERS,
    "primary keys raw_customers: 0 rows",
    "imported keys raw_customers: 0 rows",
    "index info raw_customers: 0 rows",
    "columns raw_payments: " + PAYMENTS,
    "primary keys raw_payments: 0 rows",
    "imported keys raw_payments: 0 rows",
    "index info raw_payments: 0 rows",
    "type info: bool,int4,int8,numeric,text,timestamp,varchar",
    "procedures: 0 in main",
    "server version: 1 rows: N",
    # An untyped numeric parameter is DECIMAL(38,10) inside DuckDB (PostgreSQL prints 24.50).
    "prepared: 3|1600|42|text!|2026-03-20 12:34:56.5|24.5000000000|2026-03-21 12:34:56.5|true|533.3333333333334|"
    "2026-03-17",
    "fetch size: 100 rows, id sum 5050, last 2026-02-25",
    "metabase timezone: 1 rows: Etc/UTC",
    "metabase enums: 0 rows",
    # An admin session: DuckDB's has_*_privilege answers true for every privilege (see docs/serve.md).
    "metabase privileges: 3 rows: null|main|raw_customers|t|t|t|t; null|main|raw_orders|t|t|t|t; "
    "null|main|raw_payments|t|t|t|t",
    "metabase tables: 3 rows: main|raw_customers|TABLE|null|null; main|raw_orders|TABLE|null|null; "
    "main|raw_payments|TABLE|null|null",
    "metabase fields: 11 rows: "
    "id|int4|0|main|raw_customers|f|null|f|f; first_name|varchar|1|main|raw_customers|f|null|f|f; "
    "last_name|varchar|2|main|raw_customers|f|null|f|f; id|int4|0|main|raw_orders|f|null|f|f; "
    "user_id|int4|1|main|raw_orders|f|null|f|f; order_date|date|2|main|raw_orders|f|null|f|f; "
    "status|varchar|3|main|raw_orders|f|null|f|f; id|int4|0|main|raw_payments|f|null|f|f; "
    "order_id|int4|1|main|raw_payments|f|null|f|f; payment_method|varchar|2|main|raw_payments|f|null|f|f; "
    "amount|int4|3|main|raw_payments|f|null|f|f",
    "metabase fks: 0 rows",
    "failures: 0",
]


# alice is an admin; bob's role reads two of the three tables.
ROLES = """
serve:
  users: serve_users
  roles:
    admins:
      admin: true
      members: [alice]
    support:
      members: [bob]
      grants:
        - {schema: main, tables: [raw_customers, raw_orders]}
"""


class JdbcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("javac", "java"):
            assert shutil.which(tool), f"{tool} not found: run scripts/setup (default-jdk-headless)"
        assert os.path.exists(JAR), f"{JAR} not found: run scripts/setup (libpostgresql-jdbc-java)"
        os.makedirs(OUT_DIR, exist_ok=True)
        r = subprocess.run(["javac", "-d", OUT_DIR, "-cp", JAR, os.path.join(HERE, "PondJdbc.java"),
                            os.path.join(HERE, "MetabaseSync.java")], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-jdbc-")
        make_ca(cls.tmp, "ca")
        make_server_cert(cls.tmp, "ca")
        cls.ca = os.path.join(cls.tmp, "ca.crt")
        r = run([serve_e2e.POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([serve_e2e.POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        with open(os.path.join(cls.project, "serve_users"), "w") as f:
            for user in ("alice", "bob"):
                r = run([serve_e2e.POND, "serve", "--hash-password", user], cls.project, input=PASSWORD + "\n")
                assert r.returncode == 0, r.stderr
                f.write(r.stdout)
        with open(os.path.join(cls.project, "pond.yml"), "a") as f:
            f.write(ROLES)
        cls.server = Server(cls.project, "--tls-cert", os.path.join(cls.tmp, "server.crt"),
                            "--tls-key", os.path.join(cls.tmp, "server.key"))

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def jdbc(self, url, password=PASSWORD, user="alice"):
        # An empty HOME: pgjdbc looks for client certificates under ~/.postgresql.
        env = dict(os.environ, HOME=self.tmp)
        return subprocess.run(["java", "-cp", f"{JAR}:{OUT_DIR}", "PondJdbc", url, user, password],
                              capture_output=True, text=True, timeout=300, env=env)

    def url(self, **options):
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"jdbc:postgresql://127.0.0.1:{self.server.port}/shop?{query}"

    def test_dbeaver_metadata_and_metabase_sync_over_tls(self):
        r = self.jdbc(self.url(sslmode="verify-full", sslrootcert=self.ca))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + "".join(self.server.log))
        self.maxDiff = None
        self.assertEqual(r.stdout.splitlines(), EXPECTED, r.stderr)

    def test_a_role_sees_its_tables_and_true_privileges(self):
        r = self.jdbc(self.url(sslmode="verify-full", sslrootcert=self.ca), user="bob")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = dict(line.split(": ", 1) for line in r.stdout.splitlines())
        self.assertEqual(lines["tables"], "main.raw_customers TABLE,main.raw_orders TABLE")
        self.assertEqual(lines["columns raw_customers"], CUSTOMERS)
        self.assertEqual(lines["columns raw_payments"], "")
        self.assertEqual(lines["prepared"], "FAIL 42501 ERROR: permission denied for table raw_payments")
        self.assertEqual(lines["metabase privileges"], "2 rows: null|main|raw_customers|f|t|f|f; "
                                                       "null|main|raw_orders|f|t|f|f")
        self.assertEqual(lines["metabase tables"], "2 rows: main|raw_customers|TABLE|null|null; "
                                                   "main|raw_orders|TABLE|null|null")
        self.assertTrue(lines["metabase fields"].startswith("7 rows: id|int4|0|main|raw_customers|"),
                        lines["metabase fields"])
        self.assertEqual(lines["fetch size"], "100 rows, id sum 5050, last 2026-02-25")
        self.assertEqual(lines["failures"], "1")

    def test_wrong_password_is_refused(self):
        r = self.jdbc(self.url(sslmode="verify-full", sslrootcert=self.ca), password="wrong")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('password authentication failed for user "alice"', r.stderr)


if __name__ == "__main__":
    serve_e2e.POND = os.path.abspath(sys.argv.pop(1))
    OUT_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
