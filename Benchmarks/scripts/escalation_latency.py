#!/usr/bin/env python3
"""Time from an urgent USSD hit to the 111 webhook receiving its escalation.

Starts a local receiver (the 111 system), starts the release `hotline` binary on a temp
database with HOTLINE_ESCALATION_URL pointing at the receiver, then opens N urgent cases one
after another (dial, then "3" = help now) and measures, for each, the time from sending the
"3" to the receiver holding the signed POST (checked). Prints p50/p90/p99/max in milliseconds,
and the urgent hit's own round trip for comparison.

Usage: escalation_latency.py [--cases 1000] [--binary .build/release/hotline]
"""
import argparse, hashlib, hmac, http.client, http.server, json, os, re, shutil, signal
import subprocess, sys, tempfile, threading, time, urllib.parse

SECRET = "bench-secret"
arrived = {}
arrived_lock = threading.Condition()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        now = time.perf_counter()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        t, v1 = (p.split("=", 1)[1] for p in self.headers["X-Hotline-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, v1)
        reference = json.loads(body)["reference"]
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with arrived_lock:
            arrived[reference] = (now, ok)
            arrived_lock.notify_all()

    def log_message(self, *args):
        pass


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--binary", default=".build/release/hotline")
    parser.add_argument("--config", default="gateway-config")
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{server.server_address[1]}/escalations"

    folder = tempfile.mkdtemp(prefix="hotline-bench-")
    env = dict(os.environ, HOTLINE_ESCALATION_URL=webhook, HOTLINE_ESCALATION_SECRET=SECRET, LOG_LEVEL="error")
    proc = subprocess.Popen(
        [args.binary, "serve", "--config", args.config, "--database", f"{folder}/hotline.sqlite", "--port", "0"],
        env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(re.search(r":(\d+) ", line).group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port)

        # One number per case: a number with an unfinished report would be offered to continue it.
        def hit(session, phone, text):
            body = urllib.parse.urlencode({"sessionId": session, "serviceCode": "*384*1769#",
                                           "phoneNumber": phone, "networkCode": "45204", "text": text})
            conn.request("POST", "/webhooks/at-ussd", body, {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status

        latencies = []
        turns = []  # the urgent hit's own round trip (committed with fsync, screen returned)
        for i in range(args.cases):
            session = f"bench-{i}"
            phone = f"+8491{i:07d}"
            hit(session, phone, "")
            with arrived_lock:
                before = set(arrived)
            sent = time.perf_counter()
            hit(session, phone, "3")
            turns.append((time.perf_counter() - sent) * 1000)
            with arrived_lock:
                while len(arrived) == len(before):
                    if not arrived_lock.wait(timeout=10):
                        sys.exit(f"case {i}: no escalation within 10 s")
                new = set(arrived) - before
                at, ok = arrived[new.pop()]
            assert ok, "signature did not verify"
            latencies.append((at - sent) * 1000)
        ms = lambda p: percentile(latencies, p)
        print(json.dumps({"cases": len(latencies), "p50_ms": round(ms(0.5), 2), "p90_ms": round(ms(0.9), 2),
                          "p99_ms": round(ms(0.99), 2), "max_ms": round(max(latencies), 2),
                          "turn_p50_ms": round(percentile(turns, 0.5), 2), "turn_p99_ms": round(percentile(turns, 0.99), 2)}))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
