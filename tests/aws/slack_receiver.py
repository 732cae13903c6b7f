#!/usr/bin/python3
"""Tiny Slack webhook receiver for tests: /ok answers "ok", /fail answers 500; every body
is appended to the file named on the command line. Prints its port."""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        with open(sys.argv[1], 'ab') as f:
            f.write(body + b'\n')
        ok = self.path.startswith('/services/ok')
        self.send_response(200 if ok else 500)
        self.end_headers()
        self.wfile.write(b'ok' if ok else b'invalid_token')

    def log_message(self, *a):
        pass


srv = HTTPServer(('127.0.0.1', 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
