#!/usr/bin/env python3
"""A stand-in WSO2/Tomcat node for the appliance tests: HTTP/1.1 keep-alive, a jvmRoute in
its JSESSIONID, and a slow endpoint.

    backend.py PORT NAME        GET /         -> "node=NAME path=/..." (+ a session cookie)
                                GET /slow?ms=N -> the same after N milliseconds
                                GET /health   -> "ok"
"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT, NAME = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/slow":
            time.sleep(int(parse_qs(url.query).get("ms", ["1000"])[0]) / 1000)
        body = b"ok\n" if url.path == "/health" else f"node={NAME} path={self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if "JSESSIONID" not in (self.headers.get("Cookie") or ""):
            self.send_header("Set-Cookie", f"JSESSIONID=s{int(time.time() * 1000)}.{NAME}; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
