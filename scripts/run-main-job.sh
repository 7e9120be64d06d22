#!/usr/bin/env bash
# vmsim's main job: the default suite (every workload under native, shadow,
# ept and ept with 2 MiB EPT pages, those built) into out/suite/, its report
# in out/report.md and out/report.html, and the regression check of the
# counters against the committed baseline (results/baseline.json).
set -euo pipefail
cd "$(dirname "$0")/.."
VMSIM=./build/vmsim
rm -rf out/suite
"$VMSIM" suite -o out/suite "$@"
"$VMSIM" compare out/suite -o out/report
if [ -f results/baseline.json ]; then
  "$VMSIM" check --baseline results/baseline.json out/suite
fi
echo "results: out/suite/ (one result per run, summary.json); report: out/report.md, out/report.html"
