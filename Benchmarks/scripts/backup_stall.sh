#!/usr/bin/env bash
# Does `hotline backup` stall the service? (issue 16, point 7: "without stalling requests for
# more than a few milliseconds at a time"). Against the release binary:
#   1. `hotline serve` on a fresh database with the bundled gateway-config/ and a local 111
#      receiver; BACKUP_SESSIONS one-hit USSD sessions fill it;
#   2. full USSD reports walked open loop for BACKUP_SECONDS (scale_probe.py walk: requests due
#      at a fixed rate, latency counted from when each was due, so a stall counts for every
#      request that arrived during it), without a backup;
#   3. the same window again with `hotline backup --to` started a third of the way in.
# Prints both windows' p50, p99 and worst latency, the backup's own time and size, and the
# ratios of the second window to the first, measured in the same run. Exits 1 when the backup
# fails, its copy does not hold the rows, or a request fails.
#
# Usage: Benchmarks/scripts/backup_stall.sh   (about 2 minutes plus the build)
# Knobs: BACKUP_SESSIONS (20000), BACKUP_RATE (100 requests/s), BACKUP_SECONDS (30).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
probe="$here/scale_probe.py"
sessions=${BACKUP_SESSIONS:-20000}
rate=${BACKUP_RATE:-100}
window=${BACKUP_SECONDS:-30}
command -v sqlite3 >/dev/null || { echo "sqlite3 is required"; exit 2; }

echo "== build: swift build -c release --product hotline"
swift build -c release --product hotline 2>&1 | tail -n 1
work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-backup.XXXXXX")
cp "$(swift build -c release --show-bin-path)/hotline" "$work/hotline"
server_pid="" receiver_pid=""
cleanup() {
  for pid in $server_pid $receiver_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$probe" receiver "$work/receiver.port" &
receiver_pid=$!
for _ in $(seq 1 50); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
db="$work/hotline.sqlite"
env LOG_LEVEL=error HOTLINE_ESCALATION_URL="http://127.0.0.1:$(cat "$work/receiver.port")/escalations" \
  HOTLINE_ESCALATION_SECRET=backup-check "$work/hotline" serve --config gateway-config --database "$db" --port 0 \
  >"$work/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|^Hotline Gateway listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start:"; cat "$work/serve.log"; exit 1; }

echo "== filling: $sessions one-hit sessions"
python3 "$probe" short --port "$port" --tag fill --count "$sessions" --digit 2 >/dev/null
min=$((${rate%.*} * ${window%.*} / 2))
echo "== window 1: walking reports at $rate/s for $window s, no backup"
without=$(python3 "$probe" walk --port "$port" --tag plain --digit 3 --rate "$rate" --seconds "$window" \
  --min-requests "$min" --server-pid "$server_pid")
echo "$without"

echo "== window 2: the same, with hotline backup started a third of the way in"
python3 "$probe" walk --port "$port" --tag backup --digit 4 --rate "$rate" --seconds "$window" \
  --min-requests "$min" --server-pid "$server_pid" >"$work/with.json" &
walk_pid=$!
sleep "$(python3 -c "print(5 + $window / 3)")"  # the walk's 5 s warm-up, then a third
started=$(date +%s.%N)
"$work/hotline" backup --database "$db" --to "$work/copy.sqlite"
took=$(python3 -c "import time; print(round(time.time() - $started, 2))")
wait "$walk_pid"
with=$(cat "$work/with.json")
echo "$with"

live=$(sqlite3 "$work/copy.sqlite" "SELECT COUNT(*) FROM sessions")
bytes=$(stat -c %s "$work/copy.sqlite")
[ "$live" -ge "$sessions" ] || { echo "FAIL: the copy holds $live sessions, fewer than the $sessions filled"; exit 1; }
python3 - "$without" "$with" "$took" "$bytes" "$live" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
took, size, rows = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"backup: {took} s for {size / 1e6:.1f} MB ({rows:,} sessions) while serving")
for key in ("p50_ms", "p99_ms", "max_ms"):
    print(f"{key}: {a[key]} without, {b[key]} with a backup: {b[key] / a[key]:.2f} x")
print("stalls (seconds into the window, slow requests, worst ms):", b["stalls"])
PY
