#!/usr/bin/env bash
# The committed baseline still holds: run the suite of results/baseline.json
# (its workloads and modes), validate every result against the schema, and
# check the counters exactly. Fails with the diff when a trap count moved;
# update the baseline on purpose with scripts/update-results.sh.
#   baseline_check.sh VMSIM BASELINE SCHEMA_VALIDATOR SCHEMA WORKDIR
set -euo pipefail
vmsim=$1 baseline=$2 validator=$3 schema=$4 dir=$5
rm -rf "$dir"
"$vmsim" suite --like "$baseline" -o "$dir"
status=0
if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$validator" "$schema" "$dir" || status=$?; fi
[ "$status" = 0 ] || [ "$status" = 77 ] || exit 1
"$vmsim" check --baseline "$baseline" "$dir"
