#!/usr/bin/env python3
"""Places labelled messages into the triage corpus's development or test part.

Each message goes where a fixed-seed hash of its text sends it (30% to test), so the split
never depends on file order, and a message added later lands where it always would have.
The test part is the measure: never edit its lines to make triage pass; add new messages
through this script only.

    scripts/split_triage_corpus.py NEW.tsv [NEW2.tsv ...] [--into gateway-config/triage-corpus]

Lines are PRIORITY<TAB>CATEGORY<TAB>TEXT. A message already in either part is skipped.
"""
import argparse
import hashlib
import os
import sys

SEED = b"hotline-triage-split-2026-12"
TEST_PERCENT = 30
PRIORITIES = {"P1", "P2", "P3", "none"}


def part_of(text: str) -> str:
    digest = hashlib.sha256(SEED + text.strip().encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:8], "big") % 100 < TEST_PERCENT else "dev"


def read(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--into", default="gateway-config/triage-corpus")
    args = parser.parse_args()
    parts = {name: read(os.path.join(args.into, f"{name}.tsv")) for name in ("dev", "test")}
    known = {line.split("\t")[2].strip() for lines in parts.values() for line in lines}
    added = {"dev": 0, "test": 0}
    bad = 0
    for path in args.files:
        for n, line in enumerate(read(path), 1):
            fields = line.split("\t")
            if len(fields) != 3 or fields[0] not in PRIORITIES or not fields[2].strip():
                print(f"{path}:{n}: not PRIORITY<TAB>CATEGORY<TAB>TEXT; skipped", file=sys.stderr)
                bad += 1
                continue
            text = fields[2].strip()
            if text in known:
                continue
            known.add(text)
            name = part_of(text)
            parts[name].append("\t".join([fields[0], fields[1], text]))
            added[name] += 1
    os.makedirs(args.into, exist_ok=True)
    for name, lines in parts.items():
        with open(os.path.join(args.into, f"{name}.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(f"added {added['dev']} to dev, {added['test']} to test; dev {len(parts['dev'])}, test {len(parts['test'])}; {bad} bad lines")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
