"""End-to-end tests of `pond users add|passwd|rm|list` with a running `pond serve`: psql (libpq,
SCRAM) logs in after `pond users add` (password typed at a pseudo-terminal, or --password-stdin),
with the new password only after `pond users passwd`, and not after `pond users rm`, all without
restarting the server; the file holds SCRAM verifiers only, mode 0600; the errors.

usage: serve_users_e2e.py POND_BINARY
"""
import os
import pty
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import serve_e2e
from serve_e2e import Server, run

POND = None


def pond_users_at_terminal(cwd, args, answers):
    """Runs `pond users ...` with a pseudo-terminal as stdin/stdout/stderr, typing `answers` at
    its prompts; returns (exit code, everything the terminal showed)."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([POND, "users", *args], cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary,
                            close_fds=True)
    os.close(secondary)
    shown, pending, answered = b"", list(answers), 0
    deadline = time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown[answered:].rstrip().endswith(b":"):  # a new prompt
                os.write(main, pending.pop(0).encode() + b"\n")
                answered = len(shown)
        elif proc.poll() is not None:
            break
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    finally:
        os.close(main)
    return code, shown.decode(errors="replace")


class UsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pond-serve-users-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        r = run([POND, "init", "shop"], cls.tmp)
        assert r.returncode == 0, r.stderr
        cls.project = os.path.join(cls.tmp, "shop")
        r = run([POND, "seed"], cls.project)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.users_path = os.path.join(cls.project, "serve_users")
        code, shown = pond_users_at_terminal(cls.project, ["add", "alice"], ["typed-secret-1", "typed-secret-1"])
        assert code == 0, shown
        cls.add_shown = shown
        # `pond serve` without --users and without serve.users in pond.yml reads serve_users.
        cls.server = Server(cls.project)

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def users(self, *args, password=None):
        return run([POND, "users", *args], self.project, input=password)

    def login(self, user, password):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
        return run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.server.port), "-U", user, "-d", "shop", "-At",
                    "-c", "select count(*) from raw_customers"], self.project, env=env)

    def assert_logs_in(self, user, password):
        r = self.login(user, password)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "100")

    def assert_refused(self, user, password):
        r = self.login(user, password)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(f'password authentication failed for user "{user}"', r.stderr)

    def test_typed_password_logs_in_and_is_never_shown_or_stored(self):
        self.assertIn("Password for alice:", self.add_shown)
        self.assertNotIn("typed-secret-1", self.add_shown)  # no echo
        self.assertIn("added user alice", self.add_shown)
        self.assert_logs_in("alice", "typed-secret-1")
        self.assert_refused("alice", "typed-secret-2")
        with open(self.users_path) as f:
            content = f.read()
        self.assertNotIn("typed-secret", content)
        self.assertRegex(content, r"(?m)^alice SCRAM-SHA-256\$4096:\S+\$\S+:\S+$")
        self.assertEqual(stat.S_IMODE(os.stat(self.users_path).st_mode), 0o600)
        self.assertTrue(any("users from" in line and "serve_users" in line for line in self.server.log))

    def test_add_passwd_rm_take_effect_without_restart(self):
        r = self.users("add", "bob", "--password-stdin", password="bob-pw-1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_logs_in("bob", "bob-pw-1")
        r = self.users("passwd", "bob", "--password-stdin", password="bob-pw-2\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_refused("bob", "bob-pw-1")
        self.assert_logs_in("bob", "bob-pw-2")
        self.assertEqual(stat.S_IMODE(os.stat(self.users_path).st_mode), 0o600)
        self.assertIn("bob", self.users("list").stdout.split())
        r = self.users("rm", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_refused("bob", "bob-pw-2")
        self.assertNotIn("bob", self.users("list").stdout.split())
        self.assert_logs_in("alice", "typed-secret-1")  # others untouched

    def test_rm_removes_tokens_and_keeps_comments(self):
        token = run([POND, "serve", "--new-token", "carol"], self.project)
        self.assertEqual(token.returncode, 0, token.stderr)
        r = self.users("add", "carol", "--password-stdin", password="carol-pw\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.users_path) as f:
            before = f.read()
        with open(self.users_path, "w") as f:
            f.write("# who may log in\n" + before + token.stdout)
        r = self.users("rm", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 lines", r.stdout)
        with open(self.users_path) as f:
            after = f.read()
        self.assertTrue(after.startswith("# who may log in\n"))
        self.assertNotIn("carol", after)
        self.assertIn("alice SCRAM-SHA-256$", after)

    def test_errors(self):
        cases = [
            (("add", "alice", "--password-stdin"), "x\n", "already has a password"),
            (("passwd", "nobody", "--password-stdin"), "x\n", "has no password"),
            (("rm", "nobody"), None, "is not in"),
            (("add", "dave", "--password-stdin"), "\n", "no password on standard input"),
            (("add", "a b", "--password-stdin"), "x\n", "contains a space"),
            (("add", "dave"), "", "not a terminal"),
        ]
        with open(self.users_path) as f:
            before = f.read()
        for args, stdin, expected in cases:
            r = self.users(*args, password=stdin)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(expected, r.stderr, args)
        code, shown = pond_users_at_terminal(self.project, ["add", "erin"], ["one-pw", "another-pw"])
        self.assertNotEqual(code, 0)
        self.assertIn("do not match", shown)
        with open(self.users_path) as f:
            self.assertEqual(f.read(), before)  # nothing written by a failed command

    def test_malformed_file_is_reported_at_its_line_and_not_rewritten(self):
        bad = os.path.join(self.tmp, "bad_users")
        with open(bad, "w") as f:
            f.write("# ok\nfrank plaintext-password\n")
        r = self.users("add", "gina", "--users", bad, "--password-stdin", password="pw\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"{bad}:2:1", r.stderr)
        with open(bad) as f:
            self.assertEqual(f.read(), "# ok\nfrank plaintext-password\n")

    def test_pond_yml_users_file_is_the_one_edited(self):
        project = os.path.join(self.tmp, "named")
        shutil.copytree(self.project, project, ignore=shutil.ignore_patterns("serve_users"))
        with open(os.path.join(project, "pond.yml"), "a") as f:
            f.write("\nserve:\n  users: config/pg_users\n")
        os.makedirs(os.path.join(project, "config"))
        r = run([POND, "users", "add", "hank", "--password-stdin"], project, input="hank-pw\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(project, "config", "pg_users")))
        self.assertFalse(os.path.exists(os.path.join(project, "serve_users")))


if __name__ == "__main__":
    POND = os.path.abspath(sys.argv.pop(1))
    serve_e2e.POND = POND
    unittest.main(verbosity=2)
