"""Protocol golden tests: the same startup packets sent to `pond serve` and to a real PostgreSQL
server (Debian's postgresql, started here with initdb/pg_ctl on a unix socket, trust auth), and
the answers compared message by message: NegotiateProtocolVersion for a newer minor version and
for `_pq_.` options (byte for byte), and the FATAL error for another major version (SQLSTATE and
text). Both servers run in trust mode, so the answer after the negotiation is AuthenticationOk.

usage: serve_protocol_e2e.py POND_BINARY
"""
import glob
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

import serve_e2e
from serve_e2e import Server, run


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return os.path.dirname(found[-1])


class Postgres:
    """A throwaway PostgreSQL server on a unix socket (as root it runs as `postgres`)."""

    def __init__(self, tmp):
        self.bin = postgres_bin()
        self.dir = os.path.join(tmp, "pg")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock)
        if os.geteuid() == 0:
            os.chmod(tmp, 0o755)
            subprocess.run(["chown", "-R", "postgres", self.dir], check=True)
        self.port = 40000 + os.getpid() % 20000
        self._run("initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "postgres", "--no-sync")
        self._run("pg_ctl", "-D", self.dir + "/data", "-l", self.sock + "/log", "-o",
                  f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off", "start", "-w")

    def _run(self, tool, *args):
        argv = [os.path.join(self.bin, tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"{tool} failed: {r.stdout}{r.stderr}")

    def stop(self):
        self._run("pg_ctl", "-D", self.dir + "/data", "stop", "-m", "immediate")

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(os.path.join(self.sock, f".s.PGSQL.{self.port}"))
        return s


def startup_packet(major, minor, params):
    body = struct.pack("!HH", major, minor)
    for k, v in params:
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("server closed the connection")
        data += chunk
    return data


def first_messages(sock, packet, count):
    """Sends a startup packet; returns up to `count` messages (fewer if the server closes)."""
    sock.sendall(packet)
    out = []
    try:
        while len(out) < count:
            t = recv_exact(sock, 1)
            (length,) = struct.unpack("!I", recv_exact(sock, 4))
            out.append((t, recv_exact(sock, length - 4)))
            if t == b"E":
                break
    except EOFError:
        pass
    finally:
        sock.close()
    return out


def error_fields(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode()
    return fields


class ProtocolVsPostgresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-protocol-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.pg = Postgres(cls.tmp)
        cls.addClassCleanup(cls.pg.stop)
        r = run([serve_e2e.POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([serve_e2e.POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.pond = Server(cls.project)

    @classmethod
    def tearDownClass(cls):
        assert cls.pond.stop() == 0

    def both(self, packet, count=2):
        pond = first_messages(socket.create_connection(("127.0.0.1", self.pond.port), timeout=30), packet, count)
        pg = first_messages(self.pg.connect(), packet, count)
        return pond, pg

    def test_newer_minor_version_is_negotiated_down(self):
        for minor in (1, 2, 7):
            pond, pg = self.both(startup_packet(3, minor, [("user", "postgres"), ("database", "postgres")]))
            self.assertEqual(pg[0], (b"v", struct.pack("!II", 196608, 0)), pg)  # what PostgreSQL 15 says
            self.assertEqual(pond[0], pg[0], minor)
            self.assertEqual(pond[1], (b"R", struct.pack("!I", 0)))  # then AuthenticationOk, as PostgreSQL
            self.assertEqual(pg[1], pond[1])

    def test_unknown_pq_options_are_listed(self):
        params = [("user", "postgres"), ("_pq_.compression", "on"), ("database", "postgres"),
                  ("_pq_.made_up", "1")]
        for minor in (0, 2):
            pond, pg = self.both(startup_packet(3, minor, params))
            self.assertEqual(pg[0][0], b"v")
            self.assertEqual(pond[0], pg[0], minor)
            self.assertEqual(pond[0][1], struct.pack("!II", 196608, 2) + b"_pq_.compression\0_pq_.made_up\0")
            self.assertEqual(pond[1], pg[1])

    def test_plain_3_0_gets_no_negotiation(self):
        pond, pg = self.both(startup_packet(3, 0, [("user", "postgres"), ("database", "postgres")]), 1)
        self.assertEqual(pond[0][0], b"R")
        self.assertEqual(pond[0], pg[0])

    def test_other_major_versions_are_refused_as_postgres_does(self):
        pond, pg = self.both(startup_packet(4, 0, [("user", "postgres")]))
        self.assertEqual([t for t, _ in pond], [b"E"])
        self.assertEqual([t for t, _ in pg], [b"E"])
        mine, theirs = error_fields(pond[0][1]), error_fields(pg[0][1])
        for field in "SCM":
            self.assertEqual(mine[field], theirs[field], field)
        self.assertEqual(mine["M"], "unsupported frontend protocol 4.0: server supports 3.0 to 3.0")
        # Protocol 1 and 2 clients get the error in protocol 2's format: compared byte for byte.
        for major, minor in ((2, 0), (1, 5)):
            packet = startup_packet(major, minor, [("user", "postgres")])
            answers = []
            for sock in (socket.create_connection(("127.0.0.1", self.pond.port), timeout=30), self.pg.connect()):
                sock.sendall(packet)
                data = b""
                while chunk := sock.recv(4096):
                    data += chunk
                sock.close()
                answers.append(data)
            self.assertEqual(answers[0], answers[1], (major, minor))
            self.assertEqual(answers[0], f"EFATAL:  unsupported frontend protocol {major}.{minor}: server supports "
                                         "3.0 to 3.0\n\0".encode())

    def test_negotiation_comes_before_the_user_check(self):
        pond, pg = self.both(startup_packet(3, 2, [("_pq_.x", "y")]))
        self.assertEqual([t for t, _ in pond], [b"v", b"E"])
        self.assertEqual(pond[0], pg[0])
        self.assertEqual(error_fields(pond[1][1])["C"], error_fields(pg[1][1])["C"])
        self.assertEqual(error_fields(pond[1][1])["M"], error_fields(pg[1][1])["M"])

    def test_session_usable_after_negotiation(self):
        # The negotiation leaves the session in 3.0 and usable.
        sock = socket.create_connection(("127.0.0.1", self.pond.port), timeout=30)
        sock.sendall(startup_packet(3, 2, [("user", "raw"), ("_pq_.x", "1")]))
        client = serve_e2e.RawClient.__new__(serve_e2e.RawClient)
        client.sock = sock
        msgs = client.until(b"Z")
        self.assertEqual(msgs[0][0], b"v")
        sock.sendall(serve_e2e.message(b"Q", b"select 40 + 2\0"))
        rows = [body for t, body in client.until(b"Z") if t == b"D"]
        self.assertEqual(rows, [struct.pack("!HI", 1, 2) + b"42"])
        sock.close()


if __name__ == "__main__":
    serve_e2e.POND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
