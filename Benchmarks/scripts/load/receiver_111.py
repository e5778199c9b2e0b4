#!/usr/bin/env python3
"""Stands in for the 111 system during the load benchmark (load.sh).

Answers 200 to each escalation POST whose X-Hotline-Signature verifies (401 otherwise), and
GET /stats with what it has received, as JSON. Writes its port to the file named by argv[2]
once it listens. Usage: receiver_111.py SECRET PORT_FILE
"""
import hashlib, hmac, http.server, json, sys, threading

secret = sys.argv[1].encode()
lock = threading.Lock()
stats = {"received": 0, "bad_signature": 0, "keys": set()}


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            parts = dict(p.split("=", 1) for p in self.headers["X-Hotline-Signature"].split(","))
            expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, parts["v1"])
        except Exception:
            ok = False
        with lock:
            stats["received"] += 1
            if ok:
                stats["keys"].add(self.headers.get("Idempotency-Key"))
            else:
                stats["bad_signature"] += 1
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = json.dumps({"received": stats["received"], "bad_signature": stats["bad_signature"],
                               "distinct": len(stats["keys"])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
