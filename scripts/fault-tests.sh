#!/usr/bin/env bash
# Fault tests against the real binary (issue 8, item 4). Each prints its figures and exits
# non-zero when an invariant fails; helpers are in scripts/faults/*.py (python3, stdlib only).
#
#   receiver-down  the 111 receiver is down (connections refused, then 503) for
#                  FAULT_DOWN_SECONDS (120) while gateways keep sending, a share urgent; then every
#                  urgent case acknowledged 200 arrives, each case under one Idempotency-Key, nothing
#                  for a case never acknowledged. Runs on a copy of gateway-config with
#                  retry.max_delay_seconds=10 (FAULT_MAX_DELAY) and max_attempts=100.
#   disk           the database cannot be written: tmpfs full (ENOSPC), immutable files (EPERM),
#                  read-only filesystem (ext4 abort, then fsck and restart): 503 and nothing stored
#                  while it lasts, never a 200; afterwards the gateways' retries get 200 and are
#                  stored exactly once, and everything acknowledged before is still there.
#                  Needs root (mount, chattr, a loop device for ext4).
#   flood          one number floods Kannel (FAULT_FLOOD_RATE/s offered, 400, for 20 s) while others
#                  walk USSD sessions: others all 200 with correct screens and p99 within
#                  max(5 x baseline, 250 ms); the flooder held by abuse.max_messages_per_hour.
#
# Usage: scripts/fault-tests.sh [--binary PATH] [--build] [receiver-down] [disk] [flood]
#   no test named: all three, in that order. The binary: --binary, else $HOTLINE_BINARY, else
#   .build/debug/hotline (built with `swift build --product hotline` when missing, or with --build).
# Environment: FAULT_DOWN_SECONDS (120), FAULT_DRAIN_SECONDS (180), FAULT_MAX_DELAY (10),
#   FAULT_LOAD_WORKERS (4), FAULT_FLOOD_RATE (400), FAULT_FLOOD_SECONDS (20),
#   FAULT_BASELINE_SECONDS (15), FAULT_KEEP=1 keeps the temporary folder (logs, databases).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ left in scripts/faults
cd "$(dirname "$0")/.."
here=$(pwd)

binary=${HOTLINE_BINARY:-}
build=0
tests=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --binary=*) binary=${1#--binary=}; shift ;;
    --build) build=1; shift ;;
    receiver-down | disk | flood) tests+=("$1"); shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "fault-tests: unknown argument '$1' (tests: receiver-down, disk, flood)" >&2; exit 2 ;;
  esac
done
[ ${#tests[@]} -gt 0 ] || tests=(receiver-down disk flood)

if [ -z "$binary" ]; then
  binary=.build/debug/hotline
  if [ "$build" = 1 ] || [ ! -x "$binary" ]; then
    echo "fault-tests: swift build --product hotline"
    swift build --product hotline
  fi
elif [ "$build" = 1 ]; then
  echo "fault-tests: --build only builds the default binary; using $binary as it is" >&2
fi
[ -x "$binary" ] || { echo "fault-tests: $binary is not an executable" >&2; exit 2; }
binary=$(realpath "$binary")
for tool in python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "fault-tests: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d -t hotline-faults.XXXXXX)
cleanup() {
  # Whatever a test left mounted under the work folder (deepest first), then the folder.
  local mounts
  mounts=$(awk -v w="$work" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r)
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  if [ "${FAULT_KEEP:-0}" = 1 ]; then echo "fault-tests: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "fault-tests: binary $binary ($(stat -c '%y' "$binary" | cut -d. -f1)), work folder $work"
failed=()
for test in "${tests[@]}"; do
  folder="$work/$test"
  mkdir -p "$folder"
  common=(--binary "$binary" --config "$here/gateway-config" --work "$folder")
  case "$test" in
    receiver-down)
      command=(python3 scripts/faults/receiver_down.py "${common[@]}" --down-seconds "${FAULT_DOWN_SECONDS:-120}"
        --drain-seconds "${FAULT_DRAIN_SECONDS:-180}" --max-delay "${FAULT_MAX_DELAY:-10}"
        --workers "${FAULT_LOAD_WORKERS:-4}") ;;
    disk)
      command=(python3 scripts/faults/disk.py "${common[@]}") ;;
    flood)
      command=(python3 scripts/faults/flood.py "${common[@]}" --rate "${FAULT_FLOOD_RATE:-400}"
        --flood-seconds "${FAULT_FLOOD_SECONDS:-20}" --baseline-seconds "${FAULT_BASELINE_SECONDS:-15}") ;;
  esac
  echo
  echo "== $test"
  started=$(date +%s)
  if "${command[@]}"; then status=passed; else status=FAILED; failed+=("$test"); fi
  echo "== $test: $status in $(($(date +%s) - started)) s (server logs: $folder/server*.log)"
done

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "fault-tests: FAILED: ${failed[*]}"
  exit 1
fi
echo "fault-tests: all passed (${tests[*]})"
