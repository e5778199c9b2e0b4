#!/usr/bin/env python3
"""Fault test: the 111 receiver is down for a while under load, then everything is delivered.

The receiver refuses connections for the first part of the outage, then answers 503, then 200
(checking every signature). Meanwhile gateway workers run USSD sessions and SMS conversations,
a share of them urgent; every case reference the service answered 200 with is recorded. After
recovery it waits (bounded) until every urgent case has arrived.

Invariants:
  - every request of the load is answered 200 with the expected screen (111 being down must not
    reach the webhooks);
  - every urgent (P1) case acknowledged with 200 arrives at the receiver at least once;
  - every delivery carries a valid signature, and all deliveries of one case carry one and the
    same Idempotency-Key, equal to the body's escalation_id;
  - nothing arrives for a case the service never acknowledged to a gateway;
  - at the end no escalation is left pending or failed in the outbox;
  - the service is still running and stops cleanly on SIGTERM.
"""
import argparse, itertools, os, random, sys, tempfile, threading, time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *  # noqa: E402,F401


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--down-seconds", type=float, default=120)
    parser.add_argument("--refuse-fraction", type=float, default=0.5,
                        help="share of the outage with nothing listening (the rest answers 503)")
    parser.add_argument("--load-seconds", type=float, default=None, help="default: the outage")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--drain-seconds", type=float, default=180, help="bounded wait after recovery")
    parser.add_argument("--max-delay", type=int, default=10, help="retry.max_delay_seconds of the copied config")
    parser.add_argument("--max-attempts", type=int, default=100, help="retry.max_attempts of the copied config")
    args = parser.parse_args()
    load_seconds = args.down_seconds if args.load_seconds is None else args.load_seconds
    failures = Failures("receiver-down")

    config = copy_config(args.config, args.work, {"max_delay_seconds": args.max_delay, "max_attempts": args.max_attempts})
    log(f"  config: a copy of gateway-config with retry.max_delay_seconds={args.max_delay} (bundled 300) and "
        f"retry.max_attempts={args.max_attempts} (bundled 20), so that retries resume within seconds of recovery and "
        f"{args.down_seconds:.0f} s of outage cannot exhaust the attempts")
    receiver = Receiver(args.down_seconds, args.down_seconds * args.refuse_fraction)
    database = os.path.join(args.work, "hotline.sqlite")
    service = Service(args.binary, config, database, os.path.join(args.work, "server.log"), receiver.url, log_level="warning")
    service.start()
    receiver.start()
    log(f"  111 receiver down for {args.down_seconds:.0f} s (connection refused for {receiver.refuse_seconds:.0f} s, "
        f"then 503); load: {args.workers} gateway workers for {load_seconds:.0f} s")

    # --- load -----------------------------------------------------------------------------------
    walks = [(WALK_HELP_NOW, 30), (WALK_REPORT_DANGER, 10), (SMS_URGENT, 15), (WALK_REPORT_ROUTINE, 10),
             (WALK_ADVICE, 15), (WALK_NUMBERS, 20)]
    numbers = itertools.count(1)
    lock = threading.Lock()
    acknowledged = {}  # reference -> walk name (urgent or not)
    requests, bad = Counter(), []
    latencies = []
    stop_at = receiver.started + load_seconds

    def worker(seed):
        rng = random.Random(seed)
        client = Client(service.port)
        while time.time() < stop_at:
            (name, steps, urgent), = rng.choices([w for w, _ in walks], weights=[n for _, n in walks])
            n = next(numbers)
            sms = name.startswith("sms")
            phone = f"+8498{n:07d}" if sms else f"+8491{n:07d}"
            session = f"rd-{n}"
            screen = ""
            for i, (text, expected) in enumerate(steps):
                if sms:
                    status, screen, seconds = client.kannel(phone, text, f"rd-{n}-{i}")
                else:
                    status, screen, seconds = client.ussd(session, phone, text)
                with lock:
                    requests[status] += 1
                    latencies.append(seconds)
                if status != 200 or not screen.startswith(expected):
                    with lock:
                        bad.append(f"{name} {phone} step {i} text={text!r}: {status} {screen[:120]!r}")
                    break
            else:
                reference = REFERENCE.search(screen)
                if reference:
                    with lock:
                        acknowledged[reference.group(0)] = name
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_ended = time.time()
    total = sum(requests.values())
    urgent_refs = {r for r, name in acknowledged.items() if name in ("help-now", "report-danger-now", "sms-urgent")}
    routine_refs = set(acknowledged) - urgent_refs
    log(f"  load: {total} requests in {load_ended - receiver.started:.1f} s ({total / (load_ended - receiver.started):.0f}/s), "
        f"statuses {dict(requests)}, p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms; "
        f"cases acknowledged: {len(urgent_refs)} urgent (P1), {len(routine_refs)} routine reports")
    failures.check(not bad, f"{len(bad)} load requests were not 200 with the expected screen, e.g. {bad[:3]}")
    failures.check(len(urgent_refs) > 0, "no urgent case was acknowledged: the load did not run")

    # --- recovery -------------------------------------------------------------------------------
    if time.time() < receiver.recovered_at:
        time.sleep(receiver.recovered_at - time.time())
    with receiver.lock:
        down_posts = len(receiver.posts)
    log(f"  receiver up at +{args.down_seconds:.0f} s (POSTs answered 503 while down: {down_posts}); waiting up to "
        f"{args.drain_seconds:.0f} s for every urgent case")
    failures.check(down_posts > 0, "no POST reached the receiver while it answered 503: the outage was not exercised")
    deadline = receiver.recovered_at + args.drain_seconds
    while time.time() < deadline:
        delivered = receiver.delivered()
        if urgent_refs <= set(delivered):
            pending = read_db(database, "SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' AND status != 'delivered'")[0][0]
            if pending == 0:
                break
        time.sleep(0.5)
    time.sleep(2)  # late duplicates, if any, arrive too
    delivered = receiver.delivered()

    # --- invariants -----------------------------------------------------------------------------
    with receiver.lock:
        posts = list(receiver.posts)
    missing = urgent_refs - set(delivered)
    failures.check(not missing, f"{len(missing)} urgent cases acknowledged 200 never arrived: {sorted(missing)[:10]}")
    unknown = set(delivered) - set(acknowledged)
    failures.check(not unknown, f"{len(unknown)} cases arrived that no gateway was ever told about: {sorted(unknown)[:10]}")
    problems = [p for p in posts if p["problem"]]
    failures.check(not problems, f"{len(problems)} POSTs with a problem, e.g. {[p['problem'] for p in problems[:3]]}")
    keys = {}
    for post in posts:
        if post["reference"]:
            keys.setdefault(post["reference"], set()).add(post["key"])
    several = {r: k for r, k in keys.items() if len(k) != 1}
    failures.check(not several, f"{len(several)} cases came with more than one Idempotency-Key: {list(several.items())[:5]}")
    mismatched = [p for p in posts if p["key"] is None or p["key"] != p["escalation_id"]]
    failures.check(not mismatched, f"{len(mismatched)} POSTs whose Idempotency-Key is missing or differs from escalation_id")
    outbox = dict(read_db(database, "SELECT status, COUNT(*) FROM outbox WHERE kind = 'escalation' GROUP BY status"))
    failures.check(set(outbox) <= {"delivered"}, f"escalations left in the outbox not delivered: {outbox}")
    per_case = read_db(database, "SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' GROUP BY case_id HAVING COUNT(*) > 1")
    max_attempts = read_db(database, "SELECT MAX(attempts) FROM outbox WHERE kind = 'escalation'")[0][0]
    routine_arrived = len(routine_refs & set(delivered))
    failures.check(service.alive(), f"the service is not running any more; log:\n{service.tail()}")

    first_arrivals = [min(p["at"] for p in delivered[r]) for r in urgent_refs if r in delivered]
    duplicates = sum(len(v) - 1 for v in delivered.values())
    attempts = Counter(p["reference"] for p in posts)
    last = max(first_arrivals) - receiver.recovered_at if first_arrivals else float("nan")
    last_any = max((p["at"] for p in posts if p["status"] == 200), default=float("nan")) - receiver.recovered_at
    log(f"  delivered: {len(urgent_refs & set(delivered))}/{len(urgent_refs)} urgent cases, "
        f"{routine_arrived}/{len(routine_refs)} routine reports (forwarded on submission); "
        f"{len(posts)} POSTs in all (+ refused connections), {duplicates} duplicate deliveries, at most "
        f"{max(attempts.values(), default=0)} POSTs received for one case ({max_attempts} attempts recorded); "
        f"cases with more than one escalation row: {len(per_case)}; outbox escalations: {outbox}")
    log(f"  recovery -> last urgent case delivered: {last:.1f} s; -> last 200 of any POST: {last_any:.1f} s")
    errors = service.tail(5, grep=r" (error|critical) ")
    if errors:
        log(f"  service error lines (last 5):\n{errors}")
    code = service.stop()
    failures.check(code == 0, f"the service did not stop cleanly on SIGTERM (exit code {code})")
    receiver.stop()
    failures.finish()


if __name__ == "__main__":
    main()
