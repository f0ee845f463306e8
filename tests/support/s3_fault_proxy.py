#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a test S3 server (s3rver), for tests of what pond
does when a store answers 5xx or drops a request mid-transfer.

    s3_fault_proxy.py UPSTREAM_PORT RULES_FILE

Listens on a free port of 127.0.0.1 and prints "listening on PORT". Each request is forwarded
to 127.0.0.1:UPSTREAM_PORT unless a rule of RULES_FILE (read at every request; a missing file
is no rules) matches it. A rule is a line "METHOD SUBSTRING ACTION COUNT": METHOD (or *) and a
substring of the request's path; ACTION a status to answer (503, 500, ...) with an S3 error
body, or "drop" to close the connection after reading the request; COUNT how many matching
requests it hits (-1: all). Each injected fault is appended to RULES_FILE.log.
"""
import http.client
import http.server
import sys
import threading

UPSTREAM = int(sys.argv[1])
RULES = sys.argv[2]
hits = {}
lock = threading.Lock()


def fault_for(method, path):
    try:
        with open(RULES) as f:
            lines = [l.split() for l in f if l.strip()]
    except FileNotFoundError:
        return None
    with lock:
        for rule in lines:
            m, sub, action, count = rule[0], rule[1], rule[2], int(rule[3])
            if (m != "*" and m != method) or sub not in path:
                continue
            key = " ".join(rule)
            if count >= 0 and hits.get(key, 0) >= count:
                continue
            hits[key] = hits.get(key, 0) + 1
            with open(RULES + ".log", "a") as log:
                log.write(f"{action} {method} {path}\n")
            return action
    return None


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        action = fault_for(self.command, self.path)
        if action == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if action is not None:
            status = int(action)
            err = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
                   b"<Message>injected by the test</Message></Error>")
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(err)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(err)
            return
        up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        up.request(self.command, self.path, body=body if self.command not in ("GET", "HEAD") or body else None,
                   headers=headers)
        r = up.getresponse()
        data = r.read()
        self.send_response(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                continue
            self.send_header(k, v)
        length = r.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
        self.send_header("Content-Length", length or "0")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        up.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
