"""End-to-end tests of `pond serve` over TLS: a test CA and server certificate made with the
`openssl` CLI, psql with sslmode=verify-full (and a wrong CA), psycopg2 with sslmode=require,
SCRAM-SHA-256-PLUS (libpq's channel_binding=require), --tls-required refusing plain clients,
and PostgreSQL 17's direct TLS (ALPN "postgresql") from a raw client.

usage: serve_tls_e2e.py POND_BINARY
"""
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import unittest

import psycopg2

import serve_e2e
from serve_e2e import PASSWORD, RawClient, Server, run


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=directory)


def make_server_cert(directory, ca):
    with open(os.path.join(directory, "san.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=directory)
    openssl("x509", "-req", "-in", "server.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.cnf", "-out", "server.crt", cwd=directory)


def make_client_cert(directory, ca, cn, name):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-out", f"{name}.crt", cwd=directory)
    os.chmod(os.path.join(directory, f"{name}.key"), 0o600)  # libpq refuses a key others may read


def startup_packet(user="raw"):
    params = b"user\0" + user.encode() + b"\0database\0shop\0\0"
    body = struct.pack("!I", 196608) + params
    return struct.pack("!I", len(body) + 4) + body


def read_message(sock):
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError("server closed the connection")
            data += chunk
        return data

    t = exact(1)
    (length,) = struct.unpack("!I", exact(4))
    return t, exact(length - 4)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-tls-")
        make_ca(cls.tmp, "ca")
        make_ca(cls.tmp, "other_ca")
        make_server_cert(cls.tmp, "ca")
        cls.ca = os.path.join(cls.tmp, "ca.crt")
        cls.other_ca = os.path.join(cls.tmp, "other_ca.crt")
        cls.cert = os.path.join(cls.tmp, "server.crt")
        cls.key = os.path.join(cls.tmp, "server.key")
        r = run([serve_e2e.POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([serve_e2e.POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run([serve_e2e.POND, "serve", "--hash-password", "alice"], cls.project, input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        cls.users = os.path.join(cls.tmp, "users")
        with open(cls.users, "w") as f:
            f.write(r.stdout)
        tls = ("--tls-cert", cls.cert, "--tls-key", cls.key)
        cls.offered = Server(cls.project, "--users", cls.users, *tls)
        cls.required = Server(cls.project, *tls, "--tls-required")  # trust on loopback, TLS only
        # Client certificates (PostgreSQL's `cert` method): signed by the test CA for alice and
        # bob (bob has no password), and one for alice by another CA.
        make_client_cert(cls.tmp, "ca", "alice", "alice")
        make_client_cert(cls.tmp, "ca", "bob", "bob")
        make_client_cert(cls.tmp, "other_ca", "alice", "alice_other")
        cls.with_client_ca = Server(cls.project, "--users", cls.users, *tls, "--tls-client-ca", cls.ca)

    @classmethod
    def tearDownClass(cls):
        codes = [cls.offered.stop(), cls.required.stop(), cls.with_client_ca.stop()]
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert codes == [0, 0, 0], codes

    def psql(self, conninfo, sql, password=PASSWORD):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
        return run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql], self.project, env=env)

    def conninfo(self, server, **extra):
        base = dict(host="127.0.0.1", port=server.port, user="alice", dbname="shop")
        base.update(extra)
        return " ".join(f"{k}={v}" for k, v in base.items())

    # ---- client certificates
    def cert_login(self, user, cert, password="no-such-password"):
        return self.psql(self.conninfo(self.with_client_ca, user=user, sslmode="verify-full", sslrootcert=self.ca,
                                       sslcert=os.path.join(self.tmp, f"{cert}.crt"),
                                       sslkey=os.path.join(self.tmp, f"{cert}.key")),
                         "select count(*) from raw_customers", password=password)

    def test_client_certificate_logs_in_its_common_name(self):
        for user in ("alice", "bob"):  # bob has no password at all
            r = self.cert_login(user, user)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "100")
            # (admins' current_user is DuckDB's; the log names who logged in and how)
            self.assertTrue(any(f'"{user}" logged in by client certificate' in line
                                for line in self.with_client_ca.log), user)

    def test_client_certificate_of_another_user_or_ca_is_refused(self):
        r = self.cert_login("alice", "bob", password=PASSWORD)  # the right password does not help
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('certificate authentication failed for user "alice"', r.stderr)
        r = self.cert_login("alice", "alice_other", password=PASSWORD)  # not signed by the client CA
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown ca", r.stderr)  # the handshake itself fails
        # without a certificate: a password, as before
        r = self.psql(self.conninfo(self.with_client_ca, sslmode="verify-full", sslrootcert=self.ca), "select 1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.psql(self.conninfo(self.with_client_ca, user="bob", sslmode="require"), "select 1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('password authentication failed for user "bob"', r.stderr)

    def test_client_ca_needs_tls_and_a_readable_file(self):
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-client-ca", self.ca], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tls-client-ca without a server certificate", r.stderr)
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-cert", self.cert, "--tls-key", self.key,
                 "--tls-client-ca", os.path.join(self.tmp, "missing.crt")], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("missing.crt", r.stderr)
        self.assertIn("cannot load the client CA", r.stderr)

    # ---- libpq clients
    def test_psql_verify_full_against_the_test_ca(self):
        r = self.psql(self.conninfo(self.offered, sslmode="verify-full", sslrootcert=self.ca),
                      "select count(*) from raw_customers")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "100")
        r = self.psql(self.conninfo(self.offered, sslmode="verify-full", sslrootcert=self.ca), "\\conninfo")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("SSL connection (protocol: TLSv1.3", r.stdout)

    def test_a_wrong_ca_fails_verification(self):
        r = self.psql(self.conninfo(self.offered, sslmode="verify-full", sslrootcert=self.other_ca), "select 1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("certificate verify failed", r.stderr)

    def test_psycopg2_sslmode_require(self):
        conn = psycopg2.connect(self.conninfo(self.offered, sslmode="require", password=PASSWORD))
        try:
            self.assertTrue(conn.info.ssl_in_use)
            self.assertEqual(conn.info.ssl_attribute("protocol"), "TLSv1.3")
            cur = conn.cursor()
            cur.execute("select first_name from raw_customers where id = %s", (1,))
            self.assertEqual(cur.fetchone()[0], "Fred")  # examples/shop/seeds/raw_customers.csv
        finally:
            conn.close()

    def test_large_result_over_tls(self):
        # Results over 1 MiB are flushed from the worker thread through the TLS stream.
        conn = psycopg2.connect(self.conninfo(self.offered, sslmode="require", password=PASSWORD))
        try:
            cur = conn.cursor()
            cur.execute("select i, repeat('x', 50) || i::varchar as pad from range(200000) t(i)")
            rows = cur.fetchall()
            self.assertEqual(len(rows), 200000)
            self.assertEqual(rows[-1], (199999, "x" * 50 + "199999"))
            cur.execute("select 1")  # the session goes on after the large result
            self.assertEqual(cur.fetchone()[0], 1)
        finally:
            conn.close()

    def test_channel_binding_required_succeeds_over_tls(self):
        # libpq fails channel_binding=require unless the server did SCRAM-SHA-256-PLUS.
        r = self.psql(self.conninfo(self.offered, sslmode="verify-full", sslrootcert=self.ca,
                                    channel_binding="require"), "select 7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "7")
        wrong = self.psql(self.conninfo(self.offered, sslmode="require", channel_binding="require"), "select 7",
                          password="nope")
        self.assertNotEqual(wrong.returncode, 0)
        self.assertIn('password authentication failed for user "alice"', wrong.stderr)

    def test_channel_binding_required_fails_without_tls(self):
        r = self.psql(self.conninfo(self.offered, sslmode="disable", channel_binding="require"), "select 7")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("channel binding", r.stderr)
        plain = self.psql(self.conninfo(self.offered, sslmode="disable"), "select 8")  # TLS offered, not required
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertEqual(plain.stdout.strip(), "8")

    # ---- --tls-required
    def test_tls_required_refuses_plain_clients_with_28000(self):
        r = self.psql(self.conninfo(self.required, sslmode="disable", user="bob"), "select 1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no pg_hba.conf entry for host "127.0.0.1", user "bob", database "shop", no encryption',
                      r.stderr)
        c = RawClient(self.required.port)
        c.sock.sendall(startup_packet())
        t, body = c.read()
        self.assertEqual(t, b"E")
        self.assertIn(b"C28000", body)
        ok = self.psql(self.conninfo(self.required, sslmode="require", user="bob"), "select 9")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout.strip(), "9")

    # ---- raw TLS: SSLRequest answered 'S', and direct TLS
    def client_context(self, alpn):
        ctx = ssl.create_default_context(cafile=self.ca)
        if alpn:
            ctx.set_alpn_protocols(alpn)
        return ctx

    def test_ssl_request_answered_s_then_tls(self):
        sock = socket.create_connection(("127.0.0.1", self.required.port), timeout=30)
        sock.sendall(struct.pack("!II", 8, 80877103))
        self.assertEqual(sock.recv(1), b"S")
        tls = self.client_context(None).wrap_socket(sock, server_hostname="localhost")
        tls.sendall(startup_packet())
        self.assertEqual(read_message(tls), (b"R", struct.pack("!I", 0)))  # AuthenticationOk (trust)
        tls.close()

    def test_direct_tls_with_alpn_postgresql(self):
        sock = socket.create_connection(("127.0.0.1", self.required.port), timeout=30)
        tls = self.client_context(["postgresql"]).wrap_socket(sock, server_hostname="localhost")
        self.assertEqual(tls.selected_alpn_protocol(), "postgresql")
        tls.sendall(startup_packet())
        messages = []
        while not messages or messages[-1][0] != b"Z":
            messages.append(read_message(tls))
        self.assertEqual(messages[0], (b"R", struct.pack("!I", 0)))
        query = b"select count(*) from raw_orders\0"
        tls.sendall(b"Q" + struct.pack("!I", len(query) + 4) + query)
        rows = []
        while True:
            t, body = read_message(tls)
            if t == b"D":
                rows.append(body)
            if t == b"Z":
                break
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0].endswith(b"100"))
        tls.close()

    def test_direct_tls_without_alpn_is_refused(self):
        sock = socket.create_connection(("127.0.0.1", self.required.port), timeout=30)
        tls = self.client_context(None).wrap_socket(sock, server_hostname="localhost")
        t, body = read_message(tls)
        self.assertEqual(t, b"E")
        self.assertIn(b"C08P01", body)
        self.assertIn(b"without ALPN", body)
        tls.close()

    def test_direct_tls_with_another_alpn_fails_the_handshake(self):
        sock = socket.create_connection(("127.0.0.1", self.required.port), timeout=30)
        with self.assertRaises(ssl.SSLError):
            self.client_context(["http/1.1"]).wrap_socket(sock, server_hostname="localhost")
        sock.close()

    # ---- pond.yml's serve: section
    def test_pond_yml_serve_section(self):
        pond_yml = os.path.join(self.project, "pond.yml")
        original = ""
        if os.path.exists(pond_yml):
            with open(pond_yml) as f:
                original = f.read()
        shutil.copy(self.cert, os.path.join(self.project, "server.crt"))
        shutil.copy(self.key, os.path.join(self.project, "server.key"))
        shutil.copy(self.users, os.path.join(self.project, "serve_users"))
        shutil.copy(self.ca, os.path.join(self.project, "client_ca.crt"))
        try:
            with open(pond_yml, "w") as f:
                f.write(original + "\nserve:\n  users: serve_users\n  pg:\n"
                        "    tls: {cert: server.crt, key: server.key, required: true, client_ca: client_ca.crt}\n")
            server = Server(self.project)  # --listen 127.0.0.1:0 only: the rest from pond.yml
            try:
                self.assertTrue(any("TLS required" in line for line in server.log), server.log)
                r = self.psql(self.conninfo(server, sslmode="verify-full", sslrootcert=self.ca,
                                            channel_binding="require"), "select 5")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.strip(), "5")
                r = self.psql(self.conninfo(server, sslmode="disable"), "select 5")
                self.assertIn("no pg_hba.conf entry", r.stderr)
                r = self.psql(self.conninfo(server, user="bob", sslmode="verify-full", sslrootcert=self.ca,
                                            sslcert=os.path.join(self.tmp, "bob.crt"),
                                            sslkey=os.path.join(self.tmp, "bob.key")), "select 6", password="")
                self.assertEqual(r.stdout.strip(), "6", r.stderr)  # client_ca: from pond.yml
            finally:
                self.assertEqual(server.stop(), 0)
            # Cleartext passwords (PostgreSQL's `password` method) over TLS only; SCRAM without.
            with open(pond_yml, "w") as f:
                f.write(original + "\nserve:\n  users: serve_users\n  pg:\n"
                        "    tls: {cert: server.crt, key: server.key, cleartext_passwords: true}\n")
            server = Server(self.project)
            try:
                r = self.psql(self.conninfo(server, sslmode="require"), "select 6")
                self.assertEqual((r.returncode, r.stdout.strip()), (0, "6"), r.stderr)
                # libpq refuses to go on when the server did not use SCRAM with channel binding:
                # proof that the password went in the clear (inside TLS).
                r = self.psql(self.conninfo(server, sslmode="require", channel_binding="require"), "select 6")
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("channel binding", r.stderr)
                r = self.psql(self.conninfo(server, sslmode="require"), "select 6", password="wrong")
                self.assertIn('password authentication failed for user "alice"', r.stderr)
                r = self.psql(self.conninfo(server, sslmode="disable"), "select 7")  # SCRAM
                self.assertEqual((r.returncode, r.stdout.strip()), (0, "7"), r.stderr)
            finally:
                self.assertEqual(server.stop(), 0)
            with open(pond_yml, "w") as f:
                f.write(original + "\nserve:\n  pg:\n    tls: {cert: server.crt}\n")
            r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0"], self.project)
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"pond\.yml:\d+:\d+: 'tls:' needs both 'cert:' and 'key:'")
            with open(pond_yml, "w") as f:
                f.write(original + "\nserve:\n  http:\n    listen: localhost\n")
            r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0"], self.project)
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"pond\.yml:\d+:\d+: serve.http 'listen:' 'localhost' is not HOST:PORT")
        finally:
            with open(pond_yml, "w") as f:
                f.write(original)
            if not original:
                os.remove(pond_yml)

    # ---- configuration errors
    def test_bad_tls_configuration_is_refused_at_start(self):
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-cert", self.cert], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("needs both a certificate and a key", r.stderr)
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-cert", self.cert, "--tls-key",
                 os.path.join(self.tmp, "ca.key")], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("does not belong to the certificate", r.stderr)
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-required"], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tls-required without a certificate", r.stderr)
        r = run([serve_e2e.POND, "serve", "--listen", "127.0.0.1:0", "--tls-cert", self.users, "--tls-key",
                 self.key], self.project)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cannot load the TLS certificate", r.stderr)
        self.assertIn(self.users, r.stderr)


if __name__ == "__main__":
    serve_e2e.POND = os.path.abspath(sys.argv.pop(1))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    unittest.main(verbosity=2)
