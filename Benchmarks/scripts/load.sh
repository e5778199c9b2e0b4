#!/usr/bin/env bash
# Load benchmark (issue 8, item 1): the release `hotline` under wrk, with Africa's Talking USSD
# sessions walked through the real menus and Kannel SMS conversations (about 25% of requests;
# about 5% of conversations urgent; urgent cases and submitted reports are escalated to a local
# stand-in for 111), then, in the same run and with the same wrk settings, the ceiling of this
# machine: BareServer, a bare Hummingbird route returning a constant. Between the two, the
# durable floor: the same hotline's GET /readyz, one small durable write per request, which
# shows how much of the gap is the durable commit and how much the turn's own work. Prints
# all three, the ratios, and PASS or FAIL.
#
# Target: hotline req/s >= 0.5 x the durable floor's req/s in the same run (a turn measured
# against one durable write of the same store; the earlier 0.5 x bare route is retired, and
# floor / bare is printed for reference). Exit 0 when met; 1 when missed; 2 when an
# invariant broke (a non-200 answer, a wrk socket error or timeout, an off-script screen, an
# answered request missing from the database, an escalation not delivered or badly signed);
# 3 when it could not run (build, start).
#
# Usage: Benchmarks/scripts/load.sh [-d 30s] [-c 32] [-t 2] [--timeout 2s] [--no-build]
#   or with DURATION, CONNECTIONS, THREADS, TIMEOUT in the environment (flags win).
# Needs swift, python3, curl; installs wrk and sqlite3 with apt-get when they are missing.
set -euo pipefail

duration=${DURATION:-30s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
timeout=${TIMEOUT:-2s}
build=1
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        -d | --duration) duration=$2; shift 2 ;;
        -c | --connections) connections=$2; shift 2 ;;
        -t | --threads) threads=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 3 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-load.XXXXXX")
hotline_pid="" bare_pid="" receiver_pid=""

stop() { # pid: SIGTERM, then SIGKILL after 10 s
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop "$hotline_pid"; stop "$bare_pid"; stop "$receiver_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "load.sh: $*" >&2; exit 3; }

# Tools ---------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    echo "installing ${missing[*]} with apt-get..."
    $sudo apt-get update -qq >"$work/apt.log" 2>&1 && $sudo apt-get install -y -qq "${missing[@]}" >>"$work/apt.log" 2>&1 ||
        { cat "$work/apt.log" >&2; die "could not install ${missing[*]}"; }
fi
command -v python3 >/dev/null || die "python3 is required"
command -v curl >/dev/null || die "curl is required"

# Builds --------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
    echo "building hotline and BareServer in release (minutes on a fresh clone)..."
    (cd "$root" && swift build -c release --product hotline) >"$work/build-hotline.log" 2>&1 ||
        { tail -n 40 "$work/build-hotline.log" >&2; die "release build of hotline failed"; }
    (cd "$bench" && swift build -c release --product BareServer) >"$work/build-bare.log" 2>&1 ||
        { tail -n 40 "$work/build-bare.log" >&2; die "release build of BareServer failed"; }
fi
hotline_bin="$(cd "$root" && swift build -c release --show-bin-path)/hotline"
bare_bin="$(cd "$bench" && swift build -c release --show-bin-path)/BareServer"
[ -x "$hotline_bin" ] || die "no $hotline_bin (run without --no-build)"
[ -x "$bare_bin" ] || die "no $bare_bin (run without --no-build)"

wait_for_port() { # log file, sed pattern printing the port, pid, name
    local port=""
    for _ in $(seq 1 200); do
        port=$(sed -n "$2" "$1" | head -n 1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    cat "$1" >&2
    die "$4 did not start"
}

# The 111 stand-in ----------------------------------------------------------------------
secret="load-bench-$RANDOM$RANDOM"
python3 "$here/load/receiver_111.py" "$secret" "$work/receiver.port" >"$work/receiver.log" 2>&1 &
receiver_pid=$!
for _ in $(seq 1 100); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
[ -s "$work/receiver.port" ] || { cat "$work/receiver.log" >&2; die "the 111 receiver did not start"; }
receiver="http://127.0.0.1:$(cat "$work/receiver.port")"

# The hotline under load ------------------------------------------------------------------
db="$work/hotline.sqlite"
(cd "$root" && LOG_LEVEL=error HOTLINE_ESCALATION_URL="$receiver/escalations" HOTLINE_ESCALATION_SECRET="$secret" \
    exec "$hotline_bin" serve --config gateway-config --database "$db" --port 0) >"$work/hotline.log" 2>&1 &
hotline_pid=$!
port=$(wait_for_port "$work/hotline.log" 's|^Hotline Gateway listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$hotline_pid" hotline)

run_id=$(date +%s)
export LOAD_RUN_ID=$run_id LOAD_CONNECTIONS=$connections LOAD_THREADS=$threads
echo "wrk -t$threads -c$connections -d$duration --timeout $timeout: hotline (USSD steps + Kannel SMS)..."
wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" -s "$here/load/hotline.lua" \
    "http://127.0.0.1:$port" >"$work/wrk-hotline.out" 2>&1 || { cat "$work/wrk-hotline.out" >&2; die "wrk failed"; }

r() { sed -n "s/^result $2 //p" "$work/wrk-$1.out"; }
grep -q '^result rps ' "$work/wrk-hotline.out" || { cat "$work/wrk-hotline.out" >&2; die "wrk printed no figures"; }

# Escalations queued during the run reach the 111 stand-in (it already holds most of them).
sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
count_escalations() { sql "SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' AND status $1"; }
for _ in $(seq 1 120); do
    [ "$(count_escalations "IN ('pending', 'sending')")" = 0 ] && break
    sleep 0.5
done
esc_queued=$(count_escalations "IS NOT NULL")
esc_delivered=$(count_escalations "= 'delivered'")
esc_waiting=$(count_escalations "IN ('pending', 'sending')")
received=$(curl -s "$receiver/stats")
esc_received=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["distinct"], d["bad_signature"])' <<<"$received")

# The durable floor: one small durable write per request through the same service.
echo "wrk -t$threads -c$connections -d$duration --timeout $timeout: hotline GET /readyz (one durable write each)..."
LOAD_TARGET=floor wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" -s "$here/load/constant.lua" \
    "http://127.0.0.1:$port" >"$work/wrk-floor.out" 2>&1 || { cat "$work/wrk-floor.out" >&2; die "wrk failed"; }
grep -q '^result rps ' "$work/wrk-floor.out" || { cat "$work/wrk-floor.out" >&2; die "wrk printed no figures"; }
stop "$hotline_pid"; hotline_pid=""
stored_in=$(sql "SELECT COUNT(*) FROM messages WHERE direction = 'in'")

# The ceiling -----------------------------------------------------------------------------
"$bare_bin" 0 >"$work/bare.log" 2>&1 &
bare_pid=$!
bare_port=$(wait_for_port "$work/bare.log" 's|^BareServer listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$bare_pid" BareServer)
echo "wrk -t$threads -c$connections -d$duration --timeout $timeout: bare Hummingbird route..."
wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" -s "$here/load/constant.lua" \
    "http://127.0.0.1:$bare_port" >"$work/wrk-bare.out" 2>&1 || { cat "$work/wrk-bare.out" >&2; die "wrk failed"; }
grep -q '^result rps ' "$work/wrk-bare.out" || { cat "$work/wrk-bare.out" >&2; die "wrk printed no figures"; }
stop "$bare_pid"; bare_pid=""

# Figures -------------------------------------------------------------------------------
n() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }                      # 12345 -> 12,345
rps() { n "$(printf '%.0f' "$(r "$1" rps)")"; }
ms() { awk -v us="$(r "$1" "$2")" 'BEGIN { v = us / 1000; printf (v < 10 ? "%.1f ms" : "%.0f ms"), v }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", (b > 0 ? 100 * a / b : 0) }'; }

sessions=$(( $(r hotline ussd_sessions) + $(r hotline sms_conversations) ))
urgent=$(( $(r hotline ussd_urgent) + $(r hotline sms_urgent) ))
echo
echo "hotline:          $(rps hotline) req/s  p50 $(ms hotline p50_us)  p99 $(ms hotline p99_us)" \
    " (USSD steps + Kannel SMS, $(pct "$urgent" "$sessions") of conversations urgent)"
echo "  $(n "$(r hotline requests)") answers in $(r hotline seconds) s: USSD $(n "$(r hotline ussd_steps)") steps sent," \
    "$(n "$(r hotline ussd_sessions)") sessions started ($(n "$(r hotline ussd_urgent)") urgent)," \
    "$(n "$(r hotline ussd_con)") CON / $(n "$(r hotline ussd_end)") END answers;"
echo "  Kannel $(n "$(r hotline sms_messages)") SMS sent ($(pct "$(r hotline sms_messages)" "$(( $(r hotline sms_messages) + $(r hotline ussd_steps) ))") of requests)," \
    "$(n "$(r hotline sms_conversations)") conversations ($(n "$(r hotline sms_urgent)") urgent), $(n "$(r hotline sms_replies)") replies"
echo "  stored: $(n "$stored_in") inbound messages for $(n "$(r hotline ok)") answered 200;" \
    "111 received $(n "${esc_received% *}") of $(n "$esc_queued") escalations queued ($(n "$esc_delivered") delivered, $esc_waiting waiting)"
echo "durable floor:    $(rps floor) req/s  p50 $(ms floor p50_us)  p99 $(ms floor p99_us)" \
    " (GET /readyz: one small durable write per request, same router and group commit)"
echo "bare hummingbird: $(rps bare) req/s  p50 $(ms bare p50_us)  p99 $(ms bare p99_us)"

# Invariants ----------------------------------------------------------------------------
broken=()
for side in hotline floor bare; do
    non200=$(r $side non200)
    [ "$non200" = 0 ] || broken+=("$side: $non200 answers were not 200")
    for e in connect read write status timeout; do
        v=$(r $side errors_$e)
        [ "$v" = 0 ] || broken+=("$side: wrk counted $v $e errors")
    done
    [ "$(r $side ok)" -gt 0 ] || broken+=("$side: no request answered")
done
[ "$(r hotline offscript)" = 0 ] || broken+=("hotline: $(r hotline offscript) answers were off-script (retry hint, help screen or empty)")
[ "$(r hotline ussd_end)" -gt 0 ] || broken+=("hotline: no USSD session reached END")
[ "$(r hotline sms_replies)" -gt 0 ] || broken+=("hotline: no SMS reply")
# Every request answered 200 is in the database; at most one per connection more (answered
# after wrk stopped counting).
extra=$(( stored_in - $(r hotline ok) ))
{ [ "$extra" -ge 0 ] && [ "$extra" -le "$connections" ]; } ||
    broken+=("hotline: $stored_in inbound messages stored for $(r hotline ok) answered 200")
[ "$esc_queued" -gt 0 ] || broken+=("hotline: no escalation queued")
[ "$esc_waiting" = 0 ] || broken+=("hotline: $esc_waiting escalations still waiting 60 s after the run")
[ "$esc_delivered" = "$esc_queued" ] || broken+=("hotline: $((esc_queued - esc_delivered)) escalations not delivered")
[ "${esc_received% *}" = "$esc_delivered" ] || broken+=("111 received ${esc_received% *} distinct escalations, $esc_delivered delivered")
[ "${esc_received#* }" = 0 ] || broken+=("111 refused ${esc_received#* } badly signed escalations")

ratio=$(awk -v a="$(r hotline rps)" -v b="$(r floor rps)" 'BEGIN { printf "%.2f", a / b }')
echo "durable floor / bare: $(awk -v a="$(r floor rps)" -v b="$(r bare rps)" 'BEGIN { printf "%.2f", a / b }');" \
    "hotline / durable floor: $(awk -v a="$(r hotline rps)" -v b="$(r floor rps)" 'BEGIN { printf "%.2f", a / b }')"
met=$(awk -v a="$(r hotline rps)" -v b="$(r floor rps)" 'BEGIN { print (a >= 0.5 * b) ? 1 : 0 }')
if [ ${#broken[@]} -gt 0 ]; then
    for b in "${broken[@]}"; do echo "INVARIANT BROKEN: $b"; done
    grep -h '^sample ' "$work/wrk-hotline.out" "$work/wrk-bare.out" || true
    echo "hotline / durable floor $ratio (target >= 0.5): FAIL (invariants broken)"
    exit 2
fi
if [ "$met" = 1 ]; then
    echo "hotline / durable floor $ratio (target >= 0.5): PASS"
else
    echo "hotline / durable floor $ratio (target >= 0.5): FAIL"
    exit 1
fi
