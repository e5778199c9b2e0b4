#!/usr/bin/env bash
# The operator console in a real browser: Debian's chromium and chromium-driver, driven by
# selenium from a virtualenv this script creates, against the real binary on a fresh database.
# Usage: scripts/console-browser/run.sh [path to the hotline binary] [screenshot folder]
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/debug/hotline}
shots=${2:-.build/console-screenshots}
venv=.build/console-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q selenium
fi
mkdir -p "$shots"
"$venv/bin/python" scripts/console-browser/console_test.py --binary "$binary" --config gateway-config --screenshots "$shots"
