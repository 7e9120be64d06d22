#!/usr/bin/env bash
# The distributed path of the README on one machine: `vmsim suite
# --list-commands` through GNU parallel, the results merged by `vmsim
# compare`, and the same runs checked against the suite's own results.
#   parallel_suite.sh VMSIM WORKDIR     (exit 77: GNU parallel missing, skipped)
set -euo pipefail
vmsim=$1 dir=$2
if ! parallel --version 2>/dev/null | grep -q "GNU parallel"; then
  echo "GNU parallel is not installed (Debian package parallel); skipping"
  exit 77
fi
rm -rf "$dir"
"$vmsim" suite --list-commands --workloads compute,pagefault -o "$dir/by-parallel" > "$dir.cmds"
[ "$(wc -l < "$dir.cmds")" -ge 2 ]
parallel --will-cite -j2 < "$dir.cmds"
"$vmsim" suite --workloads compute,pagefault -j2 -o "$dir/by-suite"
"$vmsim" compare "$dir/by-parallel" -o "$dir/report"
grep -q "^| pagefault " "$dir/report.md"
grep -q "data:image/png;base64\|no charts\|has none" "$dir/report.html"
"$vmsim" check --baseline "$dir/by-suite" "$dir/by-parallel"
rm -f "$dir.cmds"
