#!/usr/bin/env python3
"""SIGKILL the service under load, restart it, and prove nothing it acknowledged was lost.

Threads walk Africa's Talking USSD sessions as a gateway would (cumulative text, each
request retried until it is answered 200, as gateways retry) against the `hotline` binary,
with a local 111 receiver that checks signatures. Partway through, the server is killed with
SIGKILL and restarted on the same database and port; the load keeps going. Afterwards the
load generator's log is compared with the database:

  * every request answered 200 is stored: each session holds exactly one inbound message per
    distinct step it was answered 200 for (a retried step is a replay, stored once);
  * every urgent case answered 200 ("3" = help now) has a P1 case with exactly one
    escalation queued, delivered to the receiver at least once, always under one
    Idempotency-Key;
  * no session is corrupted: every walk ends on the screen its path leads to, and
    PRAGMA integrity_check is ok.

Exit status 0 only when every invariant holds.
Usage: crash_under_load.py [--binary .build/debug/hotline] [--seconds 20] [--kill-at 8] [--threads 8]
"""
import argparse, hashlib, hmac, http.client, http.server, json, os, random, re, signal, socket
import sqlite3, subprocess, sys, tempfile, threading, time, urllib.parse

SECRET = "crash-secret"
DESCRIPTION = "ban bi bat nat o lop"
PATHS = {
    # kind: (share, steps as cumulative text, what the last screen starts with)
    "urgent": (0.10, ["", "3", "3*Ha Long", "3*Ha Long*1"], "END Da bao can bo 111"),
    "report": (0.45, ["", "1", "1*2", "1*2*3", "1*2*3*2", "1*2*3*2*Ha Long", "1*2*3*2*Ha Long*12",
                      "1*2*3*2*Ha Long*12*3", f"1*2*3*2*Ha Long*12*3*{DESCRIPTION}"], "END Cam on ban"),
    "advice": (0.45, ["", "2", "2*1"], "CON Khi bo me cai nhau"),
}

deliveries = {}  # reference -> set of idempotency keys
deliveries_lock = threading.Lock()
bad_signatures = []


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        t, v1 = (p.split("=", 1)[1] for p in self.headers["X-Hotline-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, v1)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()
        reference = json.loads(body)["reference"]
        with deliveries_lock:
            if not ok:
                bad_signatures.append(reference)
            deliveries.setdefault(reference, set()).add(self.headers.get("Idempotency-Key"))

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, folder, port, env):
        self.args = [binary, "serve", "--config", "gateway-config", "--database", f"{folder}/hotline.sqlite",
                     "--port", str(port)]
        self.env, self.port, self.log = env, port, open(f"{folder}/server.log", "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("the server did not start listening")

    def stop(self, sig):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)


class Walker(threading.Thread):
    """Walks sessions until told to stop, logging every attempt."""

    def __init__(self, index, port, stop, seed):
        super().__init__(daemon=True)
        self.index, self.port, self.stop, self.random = index, port, stop, random.Random(seed)
        self.log, self.conn, self.unanswered = [], None, []

    def post(self, session, phone, text):
        body = urllib.parse.urlencode({"sessionId": session, "serviceCode": "*384*1769#", "phoneNumber": phone,
                                       "networkCode": "45204", "text": text})
        deadline = time.time() + 60
        while True:
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.conn.request("POST", "/webhooks/at-ussd", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
                response = self.conn.getresponse()
                status, screen = response.status, response.read().decode()
            except (OSError, http.client.HTTPException):
                self.conn, status, screen = None, 0, ""  # no answer: the gateway retries
            self.log.append({"session": session, "text": text, "status": status, "screen": screen})
            if status == 200:
                return screen
            if time.time() > deadline:
                self.unanswered.append((session, text, status))
                return None
            time.sleep(0.1)

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            roll, kind = self.random.random(), None
            for name, (share, _, _) in PATHS.items():
                if roll < share:
                    kind = name
                    break
                roll -= share
            kind = kind or "advice"
            session, phone = f"crash-{self.index}-{n}", f"+849{self.index:02d}{n:06d}"
            self.log.append({"session": session, "kind": kind})
            for text in PATHS[kind][1]:
                if self.post(session, phone, text) is None:
                    break


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/hotline")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--kill-at", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    receiver.handle_error = lambda *_: None  # the killed server's open connections reset: expected
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="hotline-crash-")
    env = dict(os.environ, HOTLINE_ESCALATION_URL=f"http://127.0.0.1:{receiver.server_address[1]}/escalations",
               HOTLINE_ESCALATION_SECRET=SECRET, LOG_LEVEL="error")
    server = Server(args.binary, folder, free_port(), env)
    server.start()

    stop = threading.Event()
    walkers = [Walker(i, server.port, stop, seed=i) for i in range(args.threads)]
    started = time.time()
    for w in walkers:
        w.start()
    time.sleep(args.kill_at)
    answered_before = sum(1 for w in walkers for e in list(w.log) if e.get("status") == 200)
    server.stop(signal.SIGKILL)
    killed_at = time.time()
    server.start()
    print(f"SIGKILL after {answered_before} requests answered 200; restarted in {time.time() - killed_at:.2f} s")
    time.sleep(max(0, args.seconds - (time.time() - started)))
    stop.set()
    for w in walkers:
        w.join()

    log = [e for w in walkers for e in w.log]
    failures = []
    unanswered = [u for w in walkers for u in w.unanswered]
    if unanswered:
        failures.append(f"{len(unanswered)} requests never answered 200 within 60 s, e.g. {unanswered[:3]}")

    # What the load generator was told, per session.
    kinds, answered, last_screen = {}, {}, {}
    for e in log:
        if "kind" in e:
            kinds[e["session"]] = e["kind"]
        elif e["status"] == 200:
            answered.setdefault(e["session"], set()).add(e["text"])
            last_screen[e["session"]] = e["screen"]
    attempts = sum(1 for e in log if "status" in e)
    ok = sum(1 for e in log if e.get("status") == 200)
    refused = sum(1 for e in log if e.get("status") not in (None, 0, 200))
    lost = sum(1 for e in log if e.get("status") == 0)
    print(f"{attempts} requests: {ok} answered 200, {refused} refused (retried), {lost} without an answer "
          f"(retried); {len(kinds)} sessions in {args.seconds:.0f} s")

    db_path = f"{folder}/hotline.sqlite"
    db = sqlite3.connect(db_path)
    urgent_sessions = {s for s, k in kinds.items() if k == "urgent" and "3" in answered.get(s, set())}
    expected_refs = {}
    for session in urgent_sessions:
        rows = db.execute("""SELECT c.reference, c.priority FROM cases c JOIN sessions s ON s.id = c.session_id
                             WHERE s.gateway_id = 'at-ussd' AND s.external_id = ?""", (session,)).fetchall()
        if len(rows) != 1 or rows[0][1] != "P1":
            failures.append(f"urgent session {session}: cases {rows}, expected one P1")
            continue
        expected_refs[session] = rows[0][0]
    deadline = time.time() + 90
    while time.time() < deadline:
        with deliveries_lock:
            missing = [r for r in expected_refs.values() if r not in deliveries]
        if not missing:
            break
        time.sleep(0.5)
    server.stop(signal.SIGTERM)
    receiver.shutdown()

    # Every request answered 200 is stored, once.
    for session, texts in answered.items():
        stored = db.execute("""SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id
                               WHERE s.gateway_id = 'at-ussd' AND s.external_id = ? AND m.direction = 'in'""",
                            (session,)).fetchone()[0]
        if stored != len(texts):
            failures.append(f"session {session}: answered 200 for {len(texts)} steps, {stored} stored")
    # No session corrupted: each completed walk ended where its path leads.
    complete = 0
    for session, kind in kinds.items():
        steps = PATHS[kind][1]
        if answered.get(session, set()) >= set(steps):
            complete += 1
            if not last_screen[session].startswith(PATHS[kind][2]):
                failures.append(f"session {session} ({kind}) ended on: {last_screen[session][:60]!r}")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    # Every urgent case escalated, under one key, queued once.
    for session, reference in expected_refs.items():
        keys = deliveries.get(reference)
        queued = db.execute("""SELECT COUNT(*) FROM outbox o JOIN cases c ON c.id = o.case_id
                               WHERE c.reference = ? AND o.kind = 'escalation'""", (reference,)).fetchone()[0]
        if not keys:
            failures.append(f"urgent case {reference} ({session}) never reached 111")
        elif len(keys) != 1:
            failures.append(f"urgent case {reference} delivered under several keys: {keys}")
        if queued != 1:
            failures.append(f"urgent case {reference}: {queued} escalations queued, expected 1")
    if bad_signatures:
        failures.append(f"{len(bad_signatures)} escalations with a bad signature")
    stored_in = db.execute("SELECT COUNT(*) FROM messages WHERE direction = 'in'").fetchone()[0]
    distinct = sum(len(t) for t in answered.values())
    delivered = sum(1 for r in expected_refs.values() if r in deliveries)
    print(f"stored {stored_in} inbound messages for {distinct} distinct steps answered 200; "
          f"{complete} walks completed; {len(expected_refs)} urgent cases answered 200, {delivered} delivered to 111; "
          f"integrity_check {integrity}")
    errors = open(f"{folder}/server.log").read().strip()
    if errors:
        print("server log (errors only):\n" + "\n".join(errors.splitlines()[:10]))
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures[:20]))
        sys.exit(1)
    print("crash under load: every acknowledged request stored, every urgent case escalated once, no session corrupted")


if __name__ == "__main__":
    main()
