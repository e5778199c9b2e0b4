"""Shared helpers for scripts/fault-tests.sh: start the hotline binary, talk to its webhooks as
Africa's Talking USSD and Kannel would, a local 111 receiver that checks signatures, and
small figures (percentiles). Standard library only."""
import atexit, hashlib, hmac, http.client, http.server, json, os, re, shutil, signal, socket, sqlite3
import subprocess, sys, threading, time, urllib.parse

SECRET = "fault-test-secret"
OPERATOR_TOKEN = "fault-test"
SERVICE_CODE = "*384*1769#"
REFERENCE = re.compile(r"\bQN-[A-Z0-9]{6}\b")

# Screens of the bundled flow as the at-ussd gateway (encoding gsm7) and Kannel send them:
# the first words are enough to tell one screen from another.
MAIN_MENU = "CON Duong day bao ve tre em. Ban can gi?"
HELP_NOW = "CON Goi ngay 111 mien phi neu co the. Tre dang o dau?"
HELP_WHAT = "CON Chuyen gi dang xay ra?"
HELP_DONE = "END Da bao can bo 111. Ma so: QN-"
REPORT_FOR_WHOM = "CON Ban bao tin cho ai?"
REPORT_CATEGORY = "CON Chuyen gi xay ra?"
REPORT_DANGER = "CON Bay gio co tre dang gap nguy hiem khong?"
REPORT_WHERE = "CON Chuyen xay ra o dau?"
REPORT_AGE = "CON Tre bao nhieu tuoi?"
REPORT_CONTACT = "CON Can bo co the lien lac lai voi ban an toan khong?"
REPORT_DESCRIPTION = "CON Ke ngan gon chuyen gi xay ra"
REPORT_DONE = "END Cam on ban. Ma so: QN-"
ADVICE_MENU = "CON Ban muon hoi ve dieu gi?"
ADVICE_FAMILY = "CON Khi bo me cai nhau"
ADVICE_FAMILY_2 = "CON Em co the viet ra dieu lam em buon"
ADVICE_TALK = "CON Em co muon noi chuyen voi tu van vien khong?"
ADVICE_CALL_YOURSELF = "END Goi mien phi 18001769"
NUMBERS = "END Tong dai 111: bao ve tre em"

# USSD walks: (name, [(cumulative text, expected screen prefix)], urgent?)
WALK_HELP_NOW = ("help-now", [("", MAIN_MENU), ("3", HELP_NOW), ("3*Ha Long", HELP_WHAT), ("3*Ha Long*1", HELP_DONE)], True)
WALK_REPORT_DANGER = ("report-danger-now", [
    ("", MAIN_MENU), ("1", REPORT_FOR_WHOM), ("1*2", REPORT_CATEGORY), ("1*2*1", REPORT_DANGER),
    ("1*2*1*1", REPORT_WHERE), ("1*2*1*1*Ha Long", REPORT_AGE), ("1*2*1*1*Ha Long*9", REPORT_CONTACT),
    ("1*2*1*1*Ha Long*9*3", REPORT_DESCRIPTION), ("1*2*1*1*Ha Long*9*3*#", REPORT_DONE)], True)
WALK_REPORT_ROUTINE = ("report-routine", [
    ("", MAIN_MENU), ("1", REPORT_FOR_WHOM), ("1*1", REPORT_CATEGORY), ("1*1*3", REPORT_DANGER),
    ("1*1*3*2", REPORT_WHERE), ("1*1*3*2*Cam Pha", REPORT_AGE), ("1*1*3*2*Cam Pha*12", REPORT_CONTACT),
    ("1*1*3*2*Cam Pha*12*3", REPORT_DESCRIPTION), ("1*1*3*2*Cam Pha*12*3*#", REPORT_DONE)], False)
WALK_ADVICE = ("advice", [
    ("", MAIN_MENU), ("2", ADVICE_MENU), ("2*1", ADVICE_FAMILY), ("2*1*1", ADVICE_FAMILY_2),
    ("2*1*1*1", ADVICE_TALK), ("2*1*1*1*2", ADVICE_CALL_YOURSELF)], False)
WALK_NUMBERS = ("numbers", [("", MAIN_MENU), ("4", NUMBERS)], False)
# SMS (Kannel, reply in the webhook answer): an urgent sentence goes straight to help now.
SMS_URGENT = ("sms-urgent", [("bo dang danh em, cuu em", HELP_NOW[4:]), ("Ha Long", HELP_WHAT[4:]), ("1", HELP_DONE[4:])], True)


def log(*parts):
    print(*parts, flush=True)


class Failures:
    """Collects failed invariants; a test prints them and exits 1 when there is any."""

    def __init__(self, test):
        self.test, self.items, self.note = test, [], None

    def check(self, ok, message):
        if not ok:
            self.items.append(message)
            log(f"  FAIL: {message}")
        return ok

    def finish(self):
        if self.items:
            log(f"{self.test}: FAILED ({len(self.items)} invariant(s))")
            sys.exit(1)
        log(f"{self.test}: PASSED" + (f" ({self.note})" if self.note else ""))


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def copy_config(source, folder, retry=None):
    """A copy of gateway-config; `retry` replaces values under escalation.yaml's `retry:`."""
    target = os.path.join(folder, "gateway-config")
    shutil.copytree(source, target)
    if retry:
        path = os.path.join(target, "escalation.yaml")
        text = open(path, encoding="utf-8").read()
        for key, value in retry.items():
            text, n = re.subn(rf"(?m)^(\s+{key}:\s*)\d+", rf"\g<1>{value}", text)
            if n != 1:
                raise SystemExit(f"could not set retry.{key} in {path}")
        open(path, "w", encoding="utf-8").write(text)
    return target


class Service:
    """`hotline serve` on a database path, port 0; its log (stdout and stderr) in a file."""

    def __init__(self, binary, config, database, log_path, escalation_url=None, log_level="info"):
        self.binary, self.config, self.database, self.log_path = binary, config, database, log_path
        self.env = dict(os.environ, HOTLINE_OPERATOR_TOKEN=OPERATOR_TOKEN, HOTLINE_ESCALATION_SECRET=SECRET, LOG_LEVEL=log_level)
        self.env.pop("HOTLINE_ESCALATION_URL", None)
        if escalation_url:
            self.env["HOTLINE_ESCALATION_URL"] = escalation_url
        self.proc, self.port = None, None

    def start(self, timeout=30):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.logfile = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--database", self.database, "--port", "0"],
            env=self.env, stdout=self.logfile, stderr=subprocess.STDOUT)
        atexit.register(self.kill)  # never leave a server behind, whatever ends the test
        deadline = time.time() + timeout
        pattern = re.compile(rb"Hotline Gateway listening on http://127\.0\.0\.1:(\d+)")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the service exited with {self.proc.returncode} before listening; log:\n{self.tail()}")
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                found = pattern.findall(f.read())
            if found:
                self.port = int(found[-1])
                return self
            time.sleep(0.05)
        raise SystemExit(f"the service did not listen within {timeout} s; log:\n{self.tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM (graceful); returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
        self.proc = None
        self.logfile.close()
        return code

    def kill(self):
        if getattr(self, "proc", None) is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self, lines=30, grep=None):
        text = open(self.log_path, "rb").read().decode("utf-8", "replace").splitlines()
        if grep:
            text = [line for line in text if re.search(grep, line)]
        return "\n".join(text[-lines:])


class Client:
    """One keep-alive connection, as one gateway worker would hold; reconnects after an error."""

    def __init__(self, port, timeout=30):
        self.port, self.timeout, self.conn = port, timeout, None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, text, seconds); status 0 with the error's name as text when the
        connection failed."""
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                self.conn.request(method, path, body, headers or {})
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, text, time.perf_counter() - started
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as error:
                self.close()
                # A keep-alive connection the server closed while idle: one quiet retry. A
                # request that may have reached the server is never retried here.
                if attempt == 1 and isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)) \
                        and time.perf_counter() - started < 0.5 and not isinstance(error, socket.timeout):
                    started = time.perf_counter()
                    continue
                return 0, type(error).__name__, time.perf_counter() - started

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def ussd(self, session, phone, text):
        body = urllib.parse.urlencode({"sessionId": session, "serviceCode": SERVICE_CODE, "phoneNumber": phone,
                                       "networkCode": "45204", "text": text})
        return self.request("POST", "/webhooks/at-ussd", body, {"Content-Type": "application/x-www-form-urlencoded"})

    def kannel(self, sender, text, message_id, ts=None):
        query = urllib.parse.urlencode({"sender": sender, "to": "18001769", "text": text, "id": message_id,
                                        "ts": str(int(ts if ts is not None else time.time())), "coding": "0",
                                        "charset": "UTF-8"})
        return self.request("GET", "/webhooks/kannel?" + query)

    def get(self, path):
        return self.request("GET", path)


class Receiver:
    """The 111 system on loopback. For the first `down_seconds` it is down: not listening for the
    first `refuse_seconds` of them (connections refused), answering 503 for the rest. Then it
    answers 200 to every POST whose signature verifies (401 otherwise). Every POST is recorded
    with the case reference, the Idempotency-Key header and whether the signature verified."""

    def __init__(self, down_seconds=0.0, refuse_seconds=0.0):
        self.port = free_port()
        self.down_seconds, self.refuse_seconds = down_seconds, min(refuse_seconds, down_seconds)
        self.posts = []  # dicts: at, status, reference, key, escalation_id, signature_ok, problem
        self.lock = threading.Condition()
        self.server = None
        self.started = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/escalations"

    @property
    def recovered_at(self):
        return self.started + self.down_seconds

    def start(self):
        self.started = time.time()
        if self.refuse_seconds > 0:
            threading.Timer(self.refuse_seconds, self._listen).start()
        else:
            self._listen()
        return self

    def _listen(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                record = {"at": now, "reference": None, "key": self.headers.get("Idempotency-Key"),
                          "escalation_id": None, "signature_ok": False, "problem": None}
                try:
                    fields = dict(p.split("=", 1) for p in self.headers.get("X-Hotline-Signature", "").split(","))
                    t, v1 = fields["t"], fields["v1"]
                    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
                    record["signature_ok"] = hmac.compare_digest(expected, v1) and abs(int(t) - now) <= 300
                    if not record["signature_ok"]:
                        record["problem"] = f"signature does not verify (t={t}, {int(now) - int(t)} s old)"
                    payload = json.loads(body)
                    record["reference"] = payload.get("reference")
                    record["escalation_id"] = payload.get("escalation_id")
                except Exception as error:  # a malformed request is itself a finding
                    record["problem"] = f"unreadable POST: {type(error).__name__}: {error}"
                if now < receiver.recovered_at:
                    status = 503
                elif record["signature_ok"]:
                    status = 200
                else:
                    status = 401
                record["status"] = status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.lock:
                    receiver.posts.append(record)
                    receiver.lock.notify_all()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        """reference -> list of 200-answered POST records."""
        with self.lock:
            result = {}
            for post in self.posts:
                if post["status"] == 200:
                    result.setdefault(post["reference"], []).append(post)
            return result

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def read_db(path, sql, args=()):
    """Reads the live database (WAL) read-only."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()
