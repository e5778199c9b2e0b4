#!/usr/bin/env python3
"""Helper of Benchmarks/scripts/scale.sh (run that, not this).

  scale_probe.py receiver PORT_FILE
      A stand-in for the 111 system: answers 200 to every escalation POST (the signature is
      not checked here; escalation_latency.py does that), writes its port to PORT_FILE.

  scale_probe.py walk --port P --tag T [--rate 100] [--connections 8] [--seconds 60]
                      [--warmup-seconds 5] [--min-requests 3000] [--digit D]
      Walks full USSD reports through POST /webhooks/at-ussd (9 requests each: dial, for whom,
      what, danger no, where, age, contact none, skip description, done; each ends in a case
      and an escalation), open loop at a fixed rate (see walk()). Session ids and numbers are
      unique per tag and digit. Prints one JSON line; exits 1 on any non-200, unexpected
      screen, or fewer than --min-requests timed requests.

  scale_probe.py compare EMPTY.json BIG.json [--tolerance 0.2]
      Prints the comparison line; exits 1 when p50 or p99 grew by more than the tolerance.

  scale_probe.py short --port P --tag T --count N [--connections C]
      N one-request sessions (dial and hang up), as most real sessions are.
"""
import argparse, http.client, http.server, json, os, sys, threading, time, urllib.parse

REPORT = ["", "1", "1*2", "1*2*1", "1*2*1*2", "1*2*1*2*Ha Long", "1*2*1*2*Ha Long*9",
          "1*2*1*2*Ha Long*9*3", "1*2*1*2*Ha Long*9*3*#"]
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def receiver(port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def hit(self, session, phone, text):
        body = urllib.parse.urlencode({"sessionId": session, "serviceCode": "*384*1769#",
                                       "phoneNumber": phone, "networkCode": "45204", "text": text})
        start = time.perf_counter()
        self.conn.request("POST", "/webhooks/at-ussd", body, HEADERS)
        response = self.conn.getresponse()
        screen = response.read().decode("utf-8", "replace")
        return (time.perf_counter() - start) * 1000, response.status, screen


def check(status, screen, last):
    if status != 200:
        return f"status {status}: {screen[:120]}"
    if last and not (screen.startswith("END ") and "QN-" in screen):
        return f"expected the END screen with a reference, got: {screen[:120]}"
    if not last and not screen.startswith("CON "):
        return f"expected a CON screen, got: {screen[:120]}"
    return None


def cpu_ticks():
    """Busy clock ticks of the whole machine (all cores) so far."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal


def process_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def walk(args):
    """Open loop: requests are due at a fixed rate whatever the server does, as a gateway's
    traffic is. Each connection walks its own sessions; its n-th request is due at
    start + n * connections / rate (connections staggered). A request is sent when due, or at
    once when the connection is behind because the server stalled, and its latency counts from
    when it was due (so a stall counts for every request that arrived during it, not only the
    one waiting on it). The round trip (send to last byte) is kept too."""
    lock = threading.Lock()
    latency, round_trip, failures = [], [], []
    slow = []  # (seconds into the window, latency) of requests over 100 ms
    first = []
    interval = args.connections / args.rate
    origin = time.perf_counter() + 0.2
    measure_from = origin + args.warmup_seconds
    measure_until = measure_from + args.seconds

    def worker(c):
        client = Client(args.port)
        n = 0
        session_no = 0
        while True:
            session_no += 1
            session = f"scale-{args.tag}-{c}-{session_no}"
            phone = f"+849{args.digit}{c}{session_no:06d}"
            for i, text in enumerate(REPORT):
                due = origin + (c / args.connections + n) * interval
                n += 1
                if due >= measure_until:
                    return
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                sent = time.perf_counter()
                try:
                    _, status, screen = client.hit(session, phone, text)
                except Exception as error:  # connection reset, timeout: a failure, not retried
                    status, screen = 0, f"{type(error).__name__}: {error}"
                    client = Client(args.port)
                done = time.perf_counter()
                problem = check(status, screen, i == len(REPORT) - 1)
                with lock:
                    if not first:
                        first.append((done - sent) * 1000)
                    if problem:
                        failures.append(f"{session} text={text!r}: {problem}")
                    if due >= measure_from:
                        latency.append((done - due) * 1000)
                        round_trip.append((done - sent) * 1000)
                        if latency[-1] > 100:
                            slow.append((due - measure_from, latency[-1]))
                    if len(failures) > 20:
                        return
                if problem:
                    break  # this session is off its path; start a new one

    cpu = {}

    def sample_cpu():  # what the machine, the server and this client spent during the window
        for key, at in (("start", measure_from), ("end", measure_until)):
            time.sleep(max(0, at - time.perf_counter()))
            cpu[key] = (time.perf_counter(), cpu_ticks(), process_ticks(args.server_pid), sum(os.times()[:2]))

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(args.connections)]
    threads.append(threading.Thread(target=sample_cpu))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = lambda values, p: round(percentile(values, p), 2) if values else None
    (t0, busy0, server0, own0), (t1, busy1, server1, own1) = cpu["start"], cpu["end"]
    tick = os.sysconf("SC_CLK_TCK")
    server_cores = (server1 - server0) / tick / (t1 - t0)
    other_cores = max(0.0, ((busy1 - busy0) / tick - (server1 - server0) / tick - (own1 - own0)) / (t1 - t0))
    stalls = []  # runs of slow requests, each: [seconds into the window, how many, worst ms]
    for at, value in sorted(slow):
        if stalls and at - stalls[-1][3] < 1.0:
            stalls[-1][1] += 1
            stalls[-1][2] = max(stalls[-1][2], value)
            stalls[-1][3] = at
        else:
            stalls.append([at, 1, value, at])
    result = {
        "tag": args.tag, "requests": len(latency), "seconds": args.seconds, "rate": args.rate,
        "connections": args.connections,
        "p50_ms": ms(latency, 0.5), "p90_ms": ms(latency, 0.9), "p99_ms": ms(latency, 0.99),
        "max_ms": round(max(latency), 1) if latency else None,
        "over_100ms": sum(1 for t in latency if t > 100),
        "rtt_p50_ms": ms(round_trip, 0.5), "rtt_p99_ms": ms(round_trip, 0.99),
        "rtt_max_ms": round(max(round_trip), 1) if round_trip else None,
        "first_request_ms": round(first[0], 1) if first else None,
        "failures": len(failures),
        "server_cores": round(server_cores, 2), "other_cores": round(other_cores, 2),
        "stalls": [[round(at, 1), n, round(worst)] for at, n, worst, _ in stalls],
    }
    print(json.dumps(result))
    for failure in failures[:10]:
        print("failure:", failure, file=sys.stderr)
    return 1 if failures or len(latency) < args.min_requests else 0


def compare(args):
    """Prints the latency comparison of two walk results; exits 1 when the target is missed."""
    empty, big = (json.load(open(path)) for path in (args.empty, args.big))
    limit = 1 + args.tolerance
    r50, r99 = big["p50_ms"] / empty["p50_ms"], big["p99_ms"] / empty["p99_ms"]
    verdict = "PASS" if r50 <= limit and r99 <= limit else "FAIL"
    print(f"latency p50 {empty['p50_ms']:.1f} ms \u2192 {big['p50_ms']:.1f} ms ({r50:.2f}x), "
          f"p99 {empty['p99_ms']:.1f} ms \u2192 {big['p99_ms']:.1f} ms ({r99:.2f}x), "
          f"target within {args.tolerance:.0%}: {verdict}")
    print(f"  (open loop, {empty['rate']:g} requests/s over {empty['connections']} connections, {empty['seconds']:.0f} s each, "
          f"timed from when each request was due; {empty['requests']:,} and {big['requests']:,} requests)")
    print(f"  slowest {empty['max_ms']:.0f} ms \u2192 {big['max_ms']:.0f} ms; over 100 ms: "
          f"{empty['over_100ms']} \u2192 {big['over_100ms']}")
    print(f"  round trip alone (send to reply): p50 {empty['rtt_p50_ms']:.1f} ms \u2192 {big['rtt_p50_ms']:.1f} ms "
          f"({big['rtt_p50_ms'] / empty['rtt_p50_ms']:.2f}x), p99 {empty['rtt_p99_ms']:.1f} ms \u2192 "
          f"{big['rtt_p99_ms']:.1f} ms ({big['rtt_p99_ms'] / empty['rtt_p99_ms']:.2f}x), "
          f"max {empty['rtt_max_ms']:.0f} ms \u2192 {big['rtt_max_ms']:.0f} ms")
    for run, name in ((empty, "empty"), (big, "seeded")):
        stalls = ", ".join(f"{at:.1f} s ({n} requests, worst {worst} ms)" for at, n, worst in run["stalls"][:6]) or "none"
        print(f"  {name}: server used {run['server_cores']:.2f} cores, other processes on the machine "
              f"{run['other_cores']:.2f} cores; requests over 100 ms, by when in the window: {stalls}")
    return 0 if verdict == "PASS" else 1


def short(args):
    failures = []
    per = (args.count + args.connections - 1) // args.connections

    def worker(c):
        client = Client(args.port)
        for n in range(c * per, min(args.count, (c + 1) * per)):
            _, status, screen = client.hit(f"scale-{args.tag}-{n}", f"+849{args.digit}{n:07d}", "")
            problem = check(status, screen, False)
            if problem:
                failures.append(problem)

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for failure in failures[:10]:
        print("failure:", failure, file=sys.stderr)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("receiver")
    r.add_argument("port_file")
    w = sub.add_parser("walk")
    s = sub.add_parser("short")
    for p in (w, s):
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--tag", required=True)
        p.add_argument("--digit", type=int, default=1, help="first digit after +849, keeps runs' numbers apart")
        p.add_argument("--connections", type=int, default=8)
    w.add_argument("--rate", type=float, default=100, help="requests per second, all connections together")
    w.add_argument("--seconds", type=float, default=60, help="measured window")
    w.add_argument("--warmup-seconds", type=float, default=5)
    w.add_argument("--min-requests", type=int, default=3000)
    w.add_argument("--server-pid", type=int, required=True, help="for the CPU it used during the window")
    c = sub.add_parser("compare")
    c.add_argument("empty")
    c.add_argument("big")
    c.add_argument("--tolerance", type=float, default=0.2)
    s.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    if args.command == "receiver":
        receiver(args.port_file)
    elif args.command == "walk":
        sys.exit(walk(args))
    elif args.command == "compare":
        sys.exit(compare(args))
    else:
        sys.exit(short(args))


if __name__ == "__main__":
    main()
