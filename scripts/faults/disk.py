#!/usr/bin/env python3
"""Fault test: the database cannot be written (full disk, read-only file, read-only filesystem).

For each fault: requests are acknowledged (200) and stored first; then the fault is injected
and a batch of requests is sent twice (a gateway retrying while the fault lasts): every one must
be answered 503 (never 200), /healthz must still answer, /readyz must say "not writable"; the
fault is removed, the database must hold nothing of the refused batch and everything
acknowledged before; the batch is resent as the gateway would: every request 200 with the
expected screen, then sent once more (a duplicate), and the database must hold each exactly once.

Faults:
  full      the database folder is a small tmpfs; a filler file takes every free byte (ENOSPC);
            the disk stays full over one of the service's 30 s sweeps. Then once more while 8
            gateway workers are sending, so the disk fills between commits (several requests
            share a commit): every 200 must be stored and no 503, and the 503s resent get 200.
  ro-file   the database and its WAL are made immutable (chattr +i: EPERM on every write), on
            an ext4 filesystem in a loop device (tmpfs ignores the flag for open files).
  ro-fs     that ext4 filesystem turns read-only under the service (mount -o remount,abort:
            what ext4 itself does on an I/O error with errors=remount-ro). Linux refuses
            `mount -o remount,ro` while the service holds the files open for writing (EBUSY,
            checked and printed), and an aborted ext4 cannot be remounted rw, so "back to rw"
            is what an operator does: stop the service, unmount, e2fsck, mount, start it again
            on the same database.
At the end every escalation queued by an acknowledged request must have reached 111 (a local
receiver), within 30 s of the disk coming back (an outcome the full disk refused is recorded at
the dispatcher's next pass; after a restart, claims are released at start).
"""
import argparse, os, shutil, subprocess, sys, time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *  # noqa: E402,F401


def run(*command, check=True):
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


class Ledger:
    """What the gateways were told (200s), to compare with the database."""

    def __init__(self):
        self.ussd = {}       # session -> set of cumulative texts acknowledged
        self.sms = set()     # Kannel message ids acknowledged
        self.cases = set()   # (session or sms id) whose acknowledged request opened a case
        self.escalations = set()
        self.statuses = []

    def apply(self, request, status):
        self.statuses.append(status)
        if status != 200:
            return
        if request["kind"] == "ussd":
            self.ussd.setdefault(request["session"], set()).add(request["text"])
        else:
            self.sms.add(request["id"])
        if request.get("opens_case"):
            self.cases.add(request["key"])
        if request.get("escalates"):
            self.escalations.add(request["key"])


def ussd(session, phone, text, expect, opens_case=False, escalates=False):
    return {"kind": "ussd", "session": session, "phone": phone, "text": text, "expect": expect,
            "opens_case": opens_case, "escalates": escalates, "key": f"{session}/{text}"}


def sms(phone, text, message_id, expect):
    return {"kind": "sms", "phone": phone, "text": text, "id": message_id, "expect": expect, "key": message_id, "ts": int(time.time())}


class Rig:
    refused_total = 0
    not_refused_total = 0
    lost_total = 0

    def __init__(self, args, name, folder, receiver, failures):
        self.args, self.name, self.folder, self.receiver, self.failures = args, name, folder, receiver, failures
        self.database = os.path.join(folder, "hotline.sqlite")
        self.service = Service(args.binary, args.config, self.database, os.path.join(args.work, f"server-{name}.log"), receiver.url)
        self.ledger = Ledger()
        self.serial = 0
        self.refused = 0
        self.empty_duplicates = 0
        self.reported = set()  # losses already reported
        self.case_gap = (0, 0)
        self.recovered_at = time.time()

    def start(self):
        self.service.start()
        self.client = Client(self.service.port, timeout=20)

    def send(self, request):
        if request["kind"] == "ussd":
            status, screen, _ = self.client.ussd(request["session"], request["phone"], request["text"])
        else:
            status, screen, _ = self.client.kannel(request["phone"], request["text"], request["id"], request["ts"])
        self.ledger.apply(request, status)
        return status, screen

    def batch(self, tag):
        """Sessions opened before the fault get their next answer (half of them urgent: help now
        opens a P1 case and queues an escalation in the same transaction), new sessions dial in,
        new SMS conversations start."""
        requests, opened = [], []
        for i in range(self.args.requests // 4):
            self.serial += 1
            session, phone = f"{self.name}-{tag}-{i}", f"+84912{self.serial:06d}"
            opened.append(ussd(session, phone, "", MAIN_MENU))
            if i % 2 == 0:
                requests.append(ussd(session, phone, "3", HELP_NOW, opens_case=True, escalates=True))
            else:
                requests.append(ussd(session, phone, "2", ADVICE_MENU))
        for i in range(self.args.requests // 4):
            self.serial += 1
            requests.append(ussd(f"{self.name}-{tag}-new-{i}", f"+84913{self.serial:06d}", "", MAIN_MENU))
        for i in range(self.args.requests - len(requests)):
            self.serial += 1
            requests.append(sms(f"+84914{self.serial:06d}", "xin chao", f"{self.name}-{tag}-sms-{i}", MAIN_MENU[4:]))
        return opened, requests

    def expect_all(self, requests, status_wanted, what, duplicates=False):
        bad = []
        for request in requests:
            status, screen = self.send(request)
            if duplicates and request["kind"] == "sms" and status == 200:
                # A Kannel message id seen before is answered 200 with an empty body (the reply
                # is not replayed, unlike a USSD retry); only "stored once" is checked for it.
                self.empty_duplicates += screen == ""
                continue
            if status != status_wanted or (status == 200 and not screen.startswith(request["expect"])):
                bad.append(f"{request['kind']} {request['key']!r}: {status} {screen[:100]!r}")
        self.failures.check(not bad, f"{self.name}: {len(bad)} of {len(requests)} {what} not {status_wanted}: {bad[:4]}")
        return len(requests) - len(bad)

    def verify_database(self, when):
        """Everything acknowledged is stored, once; nothing else is."""
        rows = read_db(self.database, """
            SELECT s.external_id, COUNT(m.id) FROM sessions s
            LEFT JOIN messages m ON m.session_id = s.id AND m.direction = 'in'
            WHERE s.gateway_id = 'at-ussd' GROUP BY s.id""")
        stored = {session: count for session, count in rows}
        expected = {session: len(texts) for session, texts in self.ledger.ussd.items()}
        # A loss is reported once, where it is first seen (later checks would repeat it).
        lost = {s: (n, stored.get(s, 0)) for s, n in expected.items() if stored.get(s, 0) < n and s not in self.reported}
        extra = {s: (expected.get(s, 0), n) for s, n in stored.items() if n > expected.get(s, 0)}
        self.reported |= set(lost)
        Rig.lost_total += sum(a - b for a, b in lost.values())
        self.failures.check(not lost, f"{self.name} {when}: {sum(a - b for a, b in lost.values())} USSD requests answered 200 "
                                      f"are not in the database, in {len(lost)} sessions (acknowledged, stored): "
                                      f"{dict(list(lost.items())[:5])}")
        self.failures.check(not extra, f"{self.name} {when}: {sum(b - a for a, b in extra.values())} USSD messages stored that "
                                       f"were not answered 200, or stored twice (acknowledged, stored): {dict(list(extra.items())[:5])}")
        ids = {row[0] for row in read_db(self.database, "SELECT message_id FROM inbound_ids WHERE gateway_id = 'kannel'")}
        sms_in = read_db(self.database, """SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id
                                           WHERE s.gateway_id = 'kannel' AND m.direction = 'in'""")[0][0]
        missing = self.ledger.sms - ids - self.reported
        self.reported |= missing
        Rig.lost_total += len(missing)
        self.failures.check(not missing, f"{self.name} {when}: {len(missing)} SMS answered 200 are not in inbound_ids: "
                                         f"{sorted(missing)[:4]}")
        self.failures.check(not ids - self.ledger.sms, f"{self.name} {when}: SMS ids stored that were never answered 200: "
                                                       f"{sorted(ids - self.ledger.sms)[:4]}")
        self.failures.check(sms_in <= len(ids), f"{self.name} {when}: {sms_in} SMS messages stored for {len(ids)} ids (stored twice?)")
        cases = read_db(self.database, "SELECT COUNT(*) FROM cases")[0][0]
        escalations = read_db(self.database, "SELECT COUNT(*) FROM outbox WHERE kind = 'escalation'")[0][0]
        gap = (len(self.ledger.cases) - cases, len(self.ledger.escalations) - escalations)
        if gap != self.case_gap:
            self.failures.check(gap == (0, 0), f"{self.name} {when}: {cases} cases and {escalations} escalations stored; "
                                               f"{len(self.ledger.cases)} and {len(self.ledger.escalations)} acknowledged")
            self.case_gap = gap
        return sum(expected.values()) + len(self.ledger.sms)

    def health(self, ready_expected):
        status, body, _ = self.client.get("/healthz")
        self.failures.check(status == 200, f"{self.name}: /healthz answered {status} {body[:80]!r}")
        status, body, _ = self.client.get("/readyz")
        wanted = 200 if ready_expected else 503
        self.failures.check(status == wanted and ("not writable" in body) != ready_expected,
                            f"{self.name}: /readyz answered {status} {body[:100]!r}, expected {wanted}")

    def fill_under_load(self, fill, remove, workers=8, seconds=3.0):
        """The disk fills while requests are in flight, so some commits succeed and some fail
        (with group commit, several requests share one): each 200 must be stored, each 503 not."""
        import threading
        lock, stop_at, fill_at = threading.Lock(), time.time() + seconds, time.time() + seconds / 3
        refused, statuses = [], []

        def worker(w):
            client, n = Client(self.service.port, timeout=20), 0
            while time.time() < stop_at:
                n += 1
                session, phone = f"{self.name}-load-{w}-{n}", f"+84915{w}{n:05d}"
                plan = [ussd(session, phone, "", MAIN_MENU), ussd(session, phone, "3", HELP_NOW, opens_case=True, escalates=True),
                        sms(f"+84916{w}{n:05d}", "xin chao", f"{self.name}-load-{w}-{n}", MAIN_MENU[4:])]
                for request in plan:
                    if request["kind"] == "ussd":
                        status, screen, _ = client.ussd(request["session"], request["phone"], request["text"])
                    else:
                        status, screen, _ = client.kannel(request["phone"], request["text"], request["id"], request["ts"])
                    with lock:
                        self.ledger.apply(request, status)
                        statuses.append(status)
                        if status != 200:
                            refused.append((request, status))
                        elif not screen.startswith(request["expect"]):
                            self.failures.check(False, f"{self.name}: {request['key']} 200 with {screen[:80]!r}")
                    if status != 200 and request["text"] == "":
                        break  # the session did not start: its next answer is not sent
            client.close()

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
        for t in threads:
            t.start()
        time.sleep(max(0, fill_at - time.time()))
        fill()
        for t in threads:
            t.join()
        counts = Counter(statuses)
        self.failures.check(set(counts) <= {200, 503}, f"{self.name}: statuses while the disk filled under load: {dict(counts)}")
        self.failures.check(self.service.alive(), f"{self.name}: the service died; log:\n{self.service.tail()}")
        self.verify_database("with the disk just filled under load")
        remove()
        self.recovered_at = time.time()
        self.verify_database("after the disk filled under load, before the resend")
        bad = []
        for request, _ in refused:
            status, screen = self.send(request)
            if status != 200 or not screen.startswith(request["expect"]):
                bad.append(f"{request['key']}: {status} {screen[:80]!r}")
        self.failures.check(not bad, f"{self.name}: {len(bad)} refused requests not 200 when resent: {bad[:4]}")
        stored = self.verify_database("after the disk filled under load and the resend")
        Rig.refused_total += counts.get(503, 0)
        log(f"  full under load: {workers} gateway workers for {seconds:g} s, the disk filled at +{seconds / 3:g} s: "
            f"{counts.get(200, 0)} answered 200, {counts.get(503, 0)} answered 503; each 200 stored, no 503 stored; "
            f"503s resent afterwards: 200; database compared with {stored} acknowledged messages")

    def drain_escalations(self, timeout=30):
        """Every escalation queued by an acknowledged request reaches 111 soon after the disk is
        back. An attempt whose outcome could not be written (the disk was full) is recorded at the
        dispatcher's next pass once writes work, instead of waiting out its two-minute lease as it
        did before: so the bound is 30 s from when the disk came back, well under the lease."""
        deadline = self.recovered_at + timeout
        first_missing = None
        while True:
            rows = read_db(self.database, """SELECT c.reference, o.status, o.attempts, o.last_error FROM outbox o
                                             JOIN cases c ON c.id = o.case_id WHERE o.kind = 'escalation'""")
            delivered = self.receiver.delivered()
            missing = [row for row in rows if row[0] not in delivered]
            if first_missing is None:
                first_missing = missing
            if not missing or time.time() > deadline:
                break
            time.sleep(0.5)
        took = time.time() - self.recovered_at
        self.failures.check(not missing, f"{self.name}: {len(missing)} of {len(rows)} escalations never reached 111 "
                                         f"{timeout} s after the disk came back: {missing[:5]}")
        late = ""
        if first_missing:
            states = Counter(f"{status}, {error or 'no error'}" for _, status, _, error in first_missing)
            late = (f"; {len(first_missing)} of them only {took:.0f} s after the disk came back (when first checked: "
                    f"{dict(states)})")
        log(f"  {self.name}: {len(rows) - len(missing)} of {len(rows)} escalations reached 111{late}")

    def fault_cycle(self, inject, remove, label, hold=0.0):
        """Acknowledged first; the fault; refused twice; removed; resent twice; checked."""
        opened, requests = self.batch(label)
        self.expect_all(opened, 200, "requests before the fault")
        inject()
        self.health(ready_expected=False)
        answered = [self.send(request)[0] for request in requests]
        if hold:
            time.sleep(hold)  # the service's own background work (sweeps every 30 s, the dispatcher) meets the fault too
            self.health(ready_expected=False)
        answered += [self.send(request)[0] for request in requests]  # the gateway retries while the fault lasts
        refused = sum(1 for s in answered if s == 503)
        self.refused += refused
        Rig.refused_total += refused
        ok_but = [(r["key"], s) for r, s in zip(requests + requests, answered) if s != 503]
        Rig.not_refused_total += len(ok_but)
        self.failures.check(not ok_but, f"{self.name}: {len(ok_but)} requests during the fault were not 503: {ok_but[:6]}")
        self.failures.check(self.service.alive(), f"{self.name}: the service died during the fault; log:\n{self.service.tail()}")
        remove()
        self.recovered_at = time.time()
        self.verify_database(f"after the {label} fault, before the resend")
        self.expect_all(requests, 200, "resent requests after the fault")
        self.expect_all(requests, 200, "duplicate resends", duplicates=True)
        stored = self.verify_database(f"after the {label} fault and the resend")
        self.health(ready_expected=True)
        log(f"  {label}: {len(opened)} requests acknowledged just before the fault; {len(requests)} sent twice during it"
            f"{f' ({hold:.0f} s apart)' if hold else ''}: "
            f"{refused} answered 503, {len(ok_but)} otherwise; after it, resent, then once more as duplicates; "
            f"database compared with {stored} acknowledged messages"
            + (f"; note: {self.empty_duplicates} SMS duplicates so far answered 200 with an empty body (the reply is not "
               f"replayed)" if self.empty_duplicates else ""))


# commit=60: ext4 commits its journal on its own only every 60 s (default 5), so what reaches the
# disk before the abort is what the service fsynced; an acknowledged turn that is not fsynced is
# then reliably lost, as it would be in a power cut or a kernel crash.
EXT4_OPTIONS = "loop,errors=remount-ro,commit=60"


def mounted(path):
    return any(line.split()[1] == path for line in open("/proc/mounts"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--requests", type=int, default=20, help="requests per fault batch")
    parser.add_argument("--tmpfs-mb", type=int, default=16)
    parser.add_argument("--hold-seconds", type=float, default=35,
                        help="how long the disk stays full between the two sends (over one 30 s sweep)")
    args = parser.parse_args()
    failures = Failures("disk")
    if os.geteuid() != 0:
        raise SystemExit("disk: needs root (mount, chattr)")
    receiver = Receiver().start()  # 111, always up: escalations queued around the faults must still go out

    # --- (a) full disk on a tmpfs --------------------------------------------------------------
    tmpfs = os.path.join(args.work, "tmpfs")
    os.makedirs(tmpfs)
    run("mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m", "tmpfs", tmpfs)
    rig = Rig(args, "full", tmpfs, receiver, failures)
    try:
        rig.start()
        filler = os.path.join(tmpfs, "filler")

        def fill():
            result = run("dd", "if=/dev/zero", f"of={filler}", "bs=64k", check=False)
            free = os.statvfs(tmpfs)
            failures.check("No space left" in result.stderr and free.f_bavail == 0,
                           f"could not fill the tmpfs: {result.stderr.strip()}")
            log(f"  full: tmpfs of {args.tmpfs_mb} MB filled ({os.path.getsize(filler) // 1024} KiB filler; dd: no space left)")

        rig.fault_cycle(fill, lambda: os.remove(filler), "full", hold=args.hold_seconds)
        rig.fill_under_load(fill, lambda: os.remove(filler))
        rig.verify_database("at the end")
        rig.drain_escalations()
    finally:
        code = rig.service.stop()
        failures.check(code == 0, f"full: the service did not stop cleanly on SIGTERM (exit code {code})")
        run("umount", tmpfs, check=False)

    # --- (b) read-only, on ext4 in a loop device ----------------------------------------------
    image, ext4 = os.path.join(args.work, "ext4.img"), os.path.join(args.work, "ext4")
    os.makedirs(ext4)
    with open(image, "wb") as f:
        f.truncate(64 * 1024 * 1024)
    tools = [t for t in ("mkfs.ext4", "e2fsck", "chattr") if not shutil.which(t)]
    attempt = None
    if not tools:
        run("mkfs.ext4", "-q", "-F", image)
        attempt = run("mount", "-o", EXT4_OPTIONS, image, ext4, check=False)
    if tools or attempt.returncode != 0:
        skipped = f"read-only faults SKIPPED: " + (f"{', '.join(tools)} missing (apt-get install e2fsprogs)" if tools else
                                                   f"cannot mount an ext4 image on a loop device here ({attempt.stderr.strip()})")
        log(f"  {skipped}")
        failures.note = skipped
    else:
        rig = Rig(args, "ro", ext4, receiver, failures)
        files = [rig.database, rig.database + "-wal"]
        try:
            rig.start()
            rig.fault_cycle(lambda: run("chattr", "+i", *files), lambda: run("chattr", "-i", *files), "ro-file")

            def read_only_fs():
                plain = run("mount", "-o", "remount,ro", ext4, check=False)
                log(f"  ro-fs: `mount -o remount,ro` while the service runs: exit {plain.returncode} "
                    f"({(plain.stderr.strip().splitlines() or ['ok'])[0]})")
                if plain.returncode != 0:
                    run("mount", "-o", "remount,abort", ext4)
                    log("  ro-fs: `mount -o remount,abort`: the filesystem is now read-only under the service")

            def back_to_rw():
                code = rig.service.stop()
                failures.check(code == 0, f"ro-fs: the service did not stop cleanly on SIGTERM on a read-only "
                                          f"filesystem (exit code {code}); log:\n{rig.service.tail(10)}")
                run("umount", ext4)
                fsck = run("e2fsck", "-fy", image, check=False)
                failures.check(fsck.returncode in (0, 1), f"e2fsck exit {fsck.returncode}: {fsck.stdout[-300:]}")
                run("mount", "-o", EXT4_OPTIONS, image, ext4)
                rig.start()
                log(f"  ro-fs: service stopped (exit {code}), filesystem unmounted, e2fsck exit {fsck.returncode}, "
                    f"mounted rw, service started again on the same database")

            rig.fault_cycle(read_only_fs, back_to_rw, "ro-fs")
            rig.verify_database("at the end")
            rig.drain_escalations()
        finally:
            if rig.service.proc is not None:
                code = rig.service.stop()
                failures.check(code == 0, f"ro: the service did not stop cleanly on SIGTERM (exit code {code})")
            run("chattr", "-i", *[f for f in files if os.path.exists(f)], check=False)
            if mounted(ext4):
                run("umount", ext4, check=False)

    receiver.stop()
    log(f"  disk: while a fault lasted, {Rig.refused_total} requests answered 503, {Rig.not_refused_total} otherwise; "
        f"the service's health checked during every fault (/healthz 200, /readyz 503 'not writable'); 111 received "
        f"{len(receiver.delivered())} cases in {len(receiver.posts)} POSTs")
    if Rig.lost_total:
        log(f"  hint: {Rig.lost_total} acknowledged requests were lost when the filesystem stopped: a turn answered 200 "
            f"must be fsynced first (README: 'committed to disk before the gateway hears 200 OK', synchronous = FULL)")
    failures.finish()


if __name__ == "__main__":
    main()
