#!/usr/bin/env bash
# Proves that a server killed with SIGKILL between two requests has lost nothing it answered
# 200 to: walks a USSD report, kills the server mid-conversation, restarts it on the same
# database, finishes the report, then compares every acknowledged request with the SQLite file.
# Usage: scripts/sigkill-check.sh [path to the hotline binary]  (default .build/debug/hotline)
set -euo pipefail
binary=${1:-.build/debug/hotline}
work=$(mktemp -d)
db="$work/hotline.sqlite"
log="$work/server.log"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() {
  HOTLINE_OPERATOR_TOKEN=sigkill-check "$binary" serve --config gateway-config --database "$db" --port 0 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's|^Hotline Gateway listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$log"; exit 1
}

# hit runs in $(...) subshells, so the count of 200s lives in a file.
echo 0 >"$work/acknowledged"
acknowledged() { cat "$work/acknowledged"; }
hit() { # cumulative text; prints the screen, counts the 200s
  local out status
  out=$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$port/webhooks/at-ussd" \
    --data-urlencode "sessionId=ATUid_sigkill" --data-urlencode "serviceCode=*384*1769#" \
    --data-urlencode "phoneNumber=+84912345678" --data-urlencode "networkCode=45204" --data-urlencode "text=$1")
  status=$(tail -n1 <<<"$out")
  [ "$status" = 200 ] || { echo "request '$1' answered $status"; exit 1; }
  echo $(( $(acknowledged) + 1 )) >"$work/acknowledged"
  head -n -1 <<<"$out"
}

start
hit "" >/dev/null
hit "1" >/dev/null
hit "1*2" >/dev/null
screen=$(hit "1*2*1")
grep -q "^CON Bay gio co tre" <<<"$screen" || { echo "unexpected screen: $screen"; exit 1; }

kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
echo "killed the server with SIGKILL after $(acknowledged) acknowledged requests"

start
# The retry of the last acknowledged request must get the same screen, not a new session.
# (A replay stores nothing new, so it does not count as a new acknowledged message.)
again=$(hit "1*2*1"); echo $(( $(acknowledged) - 1 )) >"$work/acknowledged"
[ "$again" = "$screen" ] || { echo "after restart the same request got a different screen: $again"; exit 1; }
hit "1*2*1*1" >/dev/null
hit "1*2*1*1*Ha Long" >/dev/null
hit "1*2*1*1*Ha Long*9" >/dev/null
hit "1*2*1*1*Ha Long*9*3" >/dev/null
done_screen=$(hit "1*2*1*1*Ha Long*9*3*#")
reference=$(grep -o 'QN-[A-Z0-9]\{6\}' <<<"$done_screen" || true)
[ -n "$reference" ] || { echo "no case reference in: $done_screen"; exit 1; }
# Answers are sealed on disk: read them back through the operator API, which opens them.
answers=$(curl -s -H "Authorization: Bearer sigkill-check" "http://127.0.0.1:$port/api/v1/cases/$reference")
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

stored_in=$(sqlite3 "$db" "SELECT COUNT(*) FROM messages WHERE direction = 'in'")
stored_case=$(sqlite3 "$db" "SELECT priority || ' ' || status FROM cases WHERE reference = '$reference'")
escalations=$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE kind = 'escalation'")
acknowledged=$(acknowledged)
echo "acknowledged $acknowledged requests; stored $stored_in inbound messages; case $reference: $stored_case; escalations queued: $escalations"
[ "$stored_in" = "$acknowledged" ] || { echo "FAIL: acknowledged requests missing from the database"; exit 1; }
[ "$stored_case" = "P1 submitted" ] || { echo "FAIL: case not stored as P1 submitted"; exit 1; }
grep -q '"location":"Ha Long"' <<<"$answers" || { echo "FAIL: answers lost: $answers"; exit 1; }
! grep -q "Ha Long" "$db" || { echo "FAIL: the database holds the answer in plain text"; exit 1; }
[ "$escalations" = 1 ] || { echo "FAIL: expected exactly one escalation, found $escalations"; exit 1; }
echo "sigkill-check: nothing acknowledged was lost"
