#!/usr/bin/env bash
# Memory and scale (issue 8, item 5), against the release binary:
#   A. resident memory with 100,000 open USSD sessions (target: under 200 MB);
#   B. request latency on a database holding 5,000,000 messages versus an empty one
#      (target: p50 and p99 the same within 20%).
# Builds `swift build -c release --product hotline`, runs everything in a temp folder, prints
# its figures, and exits non-zero when a target is missed or anything fails (a non-200, a lost
# session, an error in a server log).
#
# Usage: Benchmarks/scripts/scale.sh        (about 4.5 minutes on a 2-core VM, plus the build)
# Knobs (environment): SCALE_SESSIONS (100000), SCALE_MESSAGES (5000000), SCALE_RATE (100
# requests/s), SCALE_SECONDS (60, each latency window), SCALE_KEEP=1 keeps the temp folder.
#
# A: `hotline serve` on a fresh database, then wrk opens the sessions (first Africa's Talking
#    hit, empty text, a new number each) over 8 connections, and sends a second hit ("1", which
#    opens a report) to one session in 20. The config is a copy of gateway-config/ with
#    sessions.ussd_timeout_seconds raised from 180 to 3600: opening 100,000 sessions took 67 s
#    and 130 s in two runs on this shared VM, and at 180 s the expiry sweep would close the
#    first ones before the last opened. SQLite must then hold exactly that many sessions, all
#    'active'. VmRSS and VmHWM come from /proc/<pid>/status.
# B: `hotline serve` on a fresh database with the bundled gateway-config/ and a local 111
#    receiver, timed walking full reports open loop (scale_probe.py walk: requests due at a
#    fixed rate, latency counted from when each was due, so a server stall counts for every
#    request that arrived during it). Some one-hit sessions are added so the database averages
#    about 10 messages a session, the server is stopped, and sqlite3 doubles the rows (new
#    sessions with new external ids, 'ended', timestamps spread over the last 7 days, each
#    with its own number key; their messages; their cases, marked resolved; no outbox rows)
#    until `messages` holds SCALE_MESSAGES. Sealed values carry no row-bound data, so the
#    copies open with the same key. The server is restarted on that file and timed again with
#    new session ids, same rate, same window (long enough to take in at least one of the
#    maintenance sweeps, which run at start and 30 s after the previous one ends).
#    Besides p50/p99 it prints the round trip alone, the requests over 100 ms grouped by when
#    they came in the window, and the CPU other processes used meanwhile: the VM is shared,
#    and someone else's build shows up as stalls in either run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
probe="$here/scale_probe.py"
sessions=${SCALE_SESSIONS:-100000}
target_messages=${SCALE_MESSAGES:-5000000}
rate=${SCALE_RATE:-100}
window=${SCALE_SECONDS:-60}
mb_target=200
started=$(date +%s)

commas() { python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$1"; }
say() { printf '%s\n' "$*"; }
failures=0
fail() { say "FAIL: $*"; failures=$((failures + 1)); }

[ $((sessions % 40)) -eq 0 ] || { say "SCALE_SESSIONS must be a multiple of 40"; exit 2; }
for tool in sqlite3 python3; do
  command -v "$tool" >/dev/null || { say "$tool is required"; exit 2; }
done
if ! command -v wrk >/dev/null; then
  say "wrk is missing: installing it (apt-get)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

say "== build: swift build -c release --product hotline"
swift build -c release --product hotline 2>&1 | tail -n 1
bin_dir=$(swift build -c release --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-scale.XXXXXX")
# Others may rebuild .build while this runs: run a copy.
cp "$bin_dir/hotline" "$work/hotline"
server_pid="" receiver_pid="" wrk_pid=""
cleanup() {
  for pid in $wrk_pid $server_pid $receiver_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${SCALE_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; temp folder $work"

# start NAME DB CONFIG [VAR=value ...]: serves on a free port; sets server_pid, port, log.
start() {
  local name=$1 db=$2 config=$3
  shift 3
  log="$work/$name.log"
  env LOG_LEVEL=error "$@" "$work/hotline" serve --config "$config" --database "$db" --port 0 >"$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's|^Hotline Gateway listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "server $name did not start:"; cat "$log"; exit 1
}
stop() { # SIGTERM, then any line in the log besides the banner is an error (LOG_LEVEL=error)
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  [ "$rc" = 0 ] || fail "server exited with $rc after SIGTERM"
  local errors
  errors=$(grep -v -e '^Hotline Gateway listening on ' -e '^  [a-z0-9-]* (.*): ' -e '^  health: ' "$log" || true)
  if [ -n "$errors" ]; then fail "the server log holds errors:"; head -n 20 <<<"$errors"; fi
}
mem() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }
count() { sqlite3 "$1" "$2"; }

# ---------------------------------------------------------------------------------------------
say ""
say "== A. memory with $(commas "$sessions") open USSD sessions"
a="$work/a"
mkdir -p "$a"
cp -R gateway-config "$a/config"
sed -i 's/^\(  ussd_timeout_seconds:\) 180\b/\1 3600/' "$a/config/service.yaml"
grep -q '^  ussd_timeout_seconds: 3600' "$a/config/service.yaml" || { say "could not raise ussd_timeout_seconds"; exit 1; }
start memory "$a/hotline.sqlite" "$a/config"
rss_start=$(mem VmRSS)

cat >"$a/open.lua" <<'LUA'
-- One thread's share of first (or second) USSD hits, each its own session and number; then
-- /healthz until scale.sh stops wrk (wrk always runs its full duration otherwise).
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  tid = wrk.thread:get("tid")
  quota = tonumber(args[1]); every = tonumber(args[2]); text = args[3]; marker = args[4]
  calls = 0; sent = 0; ussd = 0; bad = 0; sample = ""
end
function request()
  calls = calls + 1
  -- wrk builds one request on thread 0 only to check it (script_verify_request): not sent.
  if (tid == 0 and calls == 1) or sent >= quota then return wrk.format("GET", "/healthz") end
  sent = sent + 1
  local n = sent * every
  local body = string.format(
    "sessionId=scale-%d-%d&serviceCode=%%2A384%%2A1769%%23&phoneNumber=%%2B849%d%07d&networkCode=45204&text=%s",
    tid, n, tid, n, text)
  return wrk.format("POST", "/webhooks/at-ussd", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function response(status, headers, body)
  local head = body:sub(1, 4)
  if status ~= 200 or head == "CON " or head == "END " then
    ussd = ussd + 1
    if status ~= 200 or head ~= "CON " then
      bad = bad + 1
      if sample == "" then sample = status .. " " .. body:sub(1, 100) end
    end
  end
  if ussd == quota and not finished then
    finished = true
    local f = io.open(marker .. tid, "w"); f:write("done"); f:close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local u, b, s = 0, 0, ""
  for _, t in ipairs(threads) do
    u = u + t:get("ussd"); b = b + t:get("bad")
    if s == "" then s = t:get("sample") end
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %s\n", u, b, e.connect + e.read + e.write + e.timeout, s))
end
LUA

# hits PER_THREAD EVERY TEXT NAME: two wrk threads, 8 connections; writes
# "answered bad socket_errors sample" to $a/NAME.result.
hits() {
  rm -f "$a/done-"*
  wrk -t2 -c8 -d3600s --timeout 30s -s "$a/open.lua" "http://127.0.0.1:$port/" -- "$1" "$2" "$3" "$a/done-" >"$a/$4.out" 2>&1 &
  wrk_pid=$!
  while [ "$(ls "$a/done-"* 2>/dev/null | wc -l)" -lt 2 ] && kill -0 "$wrk_pid" 2>/dev/null; do sleep 0.2; done
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || true
  wrk_pid=""
  sed -n 's/^RESULT //p' "$a/$4.out" >"$a/$4.result"
}
t0=$(date +%s.%N)
hits $((sessions / 2)) 1 "" open
read -r answered bad socket_errors sample <"$a/open.result" || true
t1=$(date +%s.%N)
seconds=$(python3 -c "print(f'{$t1 - $t0:.0f}')")
say "opened: $(commas "${answered:-0}") first hits answered in $seconds s ($(python3 -c "print(f'{${answered:-0} / ($t1 - $t0):.0f}')") requests/s), non-200 or unexpected: ${bad:-?}, socket errors: ${socket_errors:-?} ${sample:+(first: $sample)}"
[ "${answered:-0}" = "$sessions" ] && [ "$bad" = 0 ] && [ "$socket_errors" = 0 ] || fail "not every first hit was answered 200 with a CON screen"
second=$((sessions / 20))
hits $((second / 2)) 20 1 second
read -r answered2 bad2 socket_errors2 sample2 <"$a/second.result" || true
say "second hit (\"1\", opens a report) on 1 session in 20: $(commas "${answered2:-0}") answered, non-200 or unexpected: ${bad2:-?}, socket errors: ${socket_errors2:-?} ${sample2:+(first: $sample2)}"
[ "${answered2:-0}" = "$second" ] && [ "$bad2" = 0 ] && [ "$socket_errors2" = 0 ] || fail "not every second hit was answered 200 with a CON screen"

db="$a/hotline.sqlite"
active=$(count "$db" "SELECT COUNT(*) FROM sessions WHERE status = 'active'")
total=$(count "$db" "SELECT COUNT(*) FROM sessions")
stored=$(count "$db" "SELECT COUNT(*) FROM messages")
reports=$(count "$db" "SELECT COUNT(*) FROM cases")
say "in SQLite: $(commas "$active") sessions 'active' of $(commas "$total"), $(commas "$stored") messages, $(commas "$reports") cases"
[ "$active" = "$sessions" ] && [ "$total" = "$sessions" ] || fail "expected $(commas "$sessions") sessions, all active"
[ "$stored" = $((2 * sessions + 2 * second)) ] || fail "expected $(commas $((2 * sessions + 2 * second))) messages"
[ "$reports" = "$second" ] || fail "expected $(commas "$second") cases"
rss=$(mem VmRSS)
hwm=$(mem VmHWM)
verdict=PASS
[ "$rss" -lt "$mb_target" ] && [ "$hwm" -lt "$mb_target" ] || verdict=FAIL
say "$(commas "$sessions") open sessions: RSS $rss MB (peak $hwm MB; $rss_start MB just after start), target < $mb_target MB: $verdict"
[ "$verdict" = PASS ] || fail "memory target missed"
say "database file: $(du -m "$db" | cut -f1) MB (+ WAL $(du -m "$db-wal" 2>/dev/null | cut -f1 || echo 0) MB)"
stop

# ---------------------------------------------------------------------------------------------
say ""
say "== B. latency: empty database versus $(commas "$target_messages") messages"
b="$work/b"
mkdir -p "$b"
python3 "$probe" receiver "$work/receiver.port" &
receiver_pid=$!
for _ in $(seq 1 50); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
escalation=(HOTLINE_ESCALATION_URL="http://127.0.0.1:$(cat "$work/receiver.port")/escalations" HOTLINE_ESCALATION_SECRET=scale-check)
db="$b/hotline.sqlite"
walk=(--rate "$rate" --seconds "$window" --warmup-seconds 5 --connections 8 --min-requests $((rate * window * 9 / 10)))

start empty "$db" gateway-config "${escalation[@]}"
say "timing on the empty database ($window s at $rate requests/s, after 5 s of warm-up)..."
python3 "$probe" walk --port "$port" --server-pid "$server_pid" --tag empty --digit 1 "${walk[@]}" >"$b/empty.json" || fail "the walk on the empty database failed"
cat "$b/empty.json"
# Most real sessions are short: one-hit sessions bring the average near 10 messages a session.
have_sessions=$(count "$db" "SELECT COUNT(*) FROM sessions")
have_messages=$(count "$db" "SELECT COUNT(*) FROM messages")
shorts=$(((have_messages - 10 * have_sessions) / 8))
[ "$shorts" -gt 0 ] && { python3 "$probe" short --port "$port" --tag short --digit 3 --count "$shorts" || fail "short sessions failed"; }
stop

say "seeding: doubling rows with sqlite3 until messages >= $(commas "$target_messages")..."
seed_start=$(date +%s.%N)
base=$(count "$db" "SELECT MAX(id) FROM sessions")
say "  from $(commas "$(count "$db" "SELECT COUNT(*) FROM sessions")") sessions, $(commas "$(count "$db" "SELECT COUNT(*) FROM messages")") messages, $(commas "$(count "$db" "SELECT COUNT(*) FROM cases")") cases walked through HTTP"
# A copy's timestamps: the original's, minus 0-7 days chosen by the new session id (a copy of
# a copy first gets its source's shift back, so nothing is older than 7 days: retention
# (30 and 90 days) and the expiry sweep leave the seeded rows alone).
shift_sql() { # $1: old session id column, $2: offset
  echo "printf('%+d seconds', (CASE WHEN $1 <= $base THEN 0 ELSE ($1 * 7919) % 604800 END) - (($1 + $2) * 7919) % 604800)"
}
rounds=0
while :; do
  read -r msgs maxid maxcase < <(sqlite3 -separator ' ' "$db" \
    "SELECT (SELECT COUNT(*) FROM messages), (SELECT MAX(id) FROM sessions), (SELECT COALESCE(MAX(id), 0) FROM cases)")
  [ "$msgs" -ge "$target_messages" ] && break
  # Copy every session, or in the last round only as many (lowest ids first) as still needed.
  if [ $((msgs * 2)) -le "$target_messages" ]; then cut=$maxid; else
    cut=$(count "$db" "SELECT session_id FROM (SELECT session_id, SUM(COUNT(*)) OVER (ORDER BY session_id) AS running
      FROM messages GROUP BY session_id) WHERE running >= $((target_messages - msgs)) ORDER BY session_id LIMIT 1")
  fi
  shift=$(shift_sql id "$maxid")
  case_shift=$(shift_sql session_id "$maxid")
  sqlite3 "$db" >/dev/null <<SQL
PRAGMA foreign_keys = ON;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
BEGIN;
INSERT INTO sessions (id, gateway_id, channel, external_id, phone_sealed, phone_key, state_sealed, processed_sealed,
  last_reply_sealed, last_reply_continues, status, created_at, updated_at)
SELECT id + $maxid, gateway_id, channel, 'seed-' || (id + $maxid), phone_sealed, 'h1:' || lower(hex(randomblob(16))),
  state_sealed, processed_sealed, last_reply_sealed, last_reply_continues, 'ended',
  strftime('%Y-%m-%d %H:%M:%f', created_at, $shift), strftime('%Y-%m-%d %H:%M:%f', updated_at, $shift)
FROM sessions WHERE id <= $cut ORDER BY id;
INSERT INTO cases (id, reference, session_id, gateway_id, channel, category, priority, reasons, status, language,
  answers_sealed, created_at, updated_at, handling, resolved_at)
SELECT id + $maxcase, 'QN-S' || (id + $maxcase), session_id + $maxid, gateway_id, channel, category, priority, reasons,
  status, language, answers_sealed, strftime('%Y-%m-%d %H:%M:%f', created_at, $case_shift),
  strftime('%Y-%m-%d %H:%M:%f', updated_at, $case_shift), 'resolved', strftime('%Y-%m-%d %H:%M:%f', updated_at, $case_shift)
FROM cases WHERE session_id <= $cut ORDER BY id;
INSERT INTO messages (session_id, direction, seq, body_sealed, created_at, case_id)
SELECT session_id + $maxid, direction, seq, body_sealed, strftime('%Y-%m-%d %H:%M:%f', created_at, $case_shift),
  CASE WHEN case_id IS NULL THEN NULL ELSE case_id + $maxcase END
FROM messages WHERE session_id <= $cut ORDER BY id;
COMMIT;
SQL
  rounds=$((rounds + 1))
done
sqlite3 "$db" "PRAGMA journal_mode = WAL" >/dev/null
seed_end=$(date +%s.%N)
seeded_sessions=$(count "$db" "SELECT COUNT(*) FROM sessions")
seeded_messages=$(count "$db" "SELECT COUNT(*) FROM messages")
seeded_cases=$(count "$db" "SELECT COUNT(*) FROM cases")
[ "$(count "$db" "PRAGMA foreign_key_check")" = "" ] || fail "the seeded database breaks a foreign key"
say "  seeded in $(python3 -c "print(f'{$seed_end - $seed_start:.0f}')") s ($rounds rounds): $(commas "$seeded_sessions") sessions, $(commas "$seeded_messages") messages, $(commas "$seeded_cases") cases; file $(du -m "$db" | cut -f1) MB"

start big "$db" gateway-config "${escalation[@]}"
say "timing on the seeded database (same method, new session ids)..."
python3 "$probe" walk --port "$port" --server-pid "$server_pid" --tag big --digit 2 "${walk[@]}" >"$b/big.json" || fail "the walk on the seeded database failed"
cat "$b/big.json"
say "server memory on the seeded database: RSS $(mem VmRSS) MB (peak $(mem VmHWM) MB)"
stop
kill "$receiver_pid" 2>/dev/null || true
wait "$receiver_pid" 2>/dev/null || true
receiver_pid=""

say ""
say "== results"
say "$(commas "$sessions") open sessions: RSS $rss MB (peak $hwm MB), target < $mb_target MB: $( [ "$rss" -lt $mb_target ] && [ "$hwm" -lt $mb_target ] && echo PASS || echo FAIL)"
python3 "$probe" compare "$b/empty.json" "$b/big.json" || fail "latency target missed"
say "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(($(date +%s) - started)) s in all"
if [ "$failures" -gt 0 ]; then say "scale: $failures failure(s)"; exit 1; fi
say "scale: all targets met"
