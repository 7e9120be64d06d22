#!/usr/bin/env python3
"""Validate vmsim results against docs/result.schema.json (DESIGN §5).

usage: validate_results.py SCHEMA PATH...   (result files, directories of
them, baselines). Exit 0 when every result is valid, 1 otherwise, 77 (skip)
when the jsonschema module (Debian: python3-jsonschema) is missing.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate_results: python3-jsonschema is not installed; skipping")
    sys.exit(77)


def results(path):
    files = [path]
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".json"))
    for f in files:
        with open(f) as fh:
            j = json.load(fh)
        if j.get("schema") == "vmsim-suite/1":
            continue
        if j.get("schema") == "vmsim-baseline/1":
            for i, r in enumerate(j["results"]):
                r.setdefault("host", {"wall_seconds": 0, "mips": 0})  # baselines drop wall time
                yield f"{f}[{i}]", r
        else:
            yield f, j


def main():
    with open(sys.argv[1]) as fh:
        schema = json.load(fh)
    validator = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    for path in sys.argv[2:]:
        for name, r in results(path):
            n += 1
            errors = sorted(validator.iter_errors(r), key=lambda e: list(e.path))
            for e in errors[:5]:
                print(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
            bad += bool(errors)
    print(f"validate_results: {n} results, {bad} invalid")
    sys.exit(1 if bad or n == 0 else 0)


main()
