#!/usr/bin/env bash
# Instructions per matchKey call for each benchmark message, counted by callgrind. Unlike
# wall-clock figures these do not move when the VM changes speed, so before/after
# comparisons of the text code are exact. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product TextProfile >/dev/null 2>&1
n=20000
for m in 0 1 2; do
    base=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null .build/release/TextProfile "$m" 0 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,)
    run=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null .build/release/TextProfile "$m" "$n" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,)
    echo "message $m: $(((run - base) / n)) instructions per matchKey"
done
