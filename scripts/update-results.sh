#!/usr/bin/env bash
# Regenerate the committed results (results/): run the default suite (every
# workload under every built mode of native, shadow, ept, ept-2m, ept-nopwc,
# ept-novpid), then write
# results/baseline.json and the report results/report.md, results/report.html
# with its charts in results/report_charts/. Commit the change with the
# reason: the baseline is what `ctest -L long` checks every run against.
#
#   scripts/update-results.sh [-j N] [--mmu LIST]   (options go to vmsim suite)
set -euo pipefail
cd "$(dirname "$0")/.."
VMSIM=${VMSIM:-./build/vmsim}
out=out/update-results
rm -rf "$out"
"$VMSIM" suite -o "$out" "$@"
"$VMSIM" check --write --baseline results/baseline.json "$out"
"$VMSIM" compare results/baseline.json -o results/report
echo "update-results: results/baseline.json and results/report.md written; review and commit them"
