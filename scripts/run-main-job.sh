#!/usr/bin/env bash
# vmsim's main job. Until the suite and its report exist (vmsim suite /
# compare), it runs every bundled workload under the native MMU and writes
# one result per workload to out/WORKLOAD-native.json, with a summary line
# per run on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
for w in $(./build/vmsim list --names); do
  ./build/vmsim run --quiet -o "out/$w-native.json" "$w"
done
echo "results: out/*-native.json"
