#!/usr/bin/env bash
# vmsim's main job. Until the workload suite exists it boots the bundled demo
# guest and writes its result to out/demo-flat.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
./build/vmsim run -o out/demo-flat.json demo
