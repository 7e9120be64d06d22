#!/bin/bash
# Builds and runs vmsim's libFuzzer target (fuzz/cpu_fuzz.cpp): arbitrary
# bytes as guest code in a bounded sandbox (fuzz/sandbox.h), under ASan and
# UBSan. vmsim must never crash, hang or leak, whatever the bytes.
#
#   scripts/fuzz.sh [SECONDS]        default 600
#
# which amounts to:
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
#         -DVMSIM_FUZZ=ON -DVMSIM_BUILD_TESTS=OFF
#   ninja -C build-fuzz vmsim_cpu_fuzz
#   build-fuzz/fuzz/vmsim_cpu_fuzz -max_total_time=SECONDS -rss_limit_mb=2048 -timeout=5 \
#         -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus fuzz/corpus
#
# New interesting inputs accumulate in build-fuzz/corpus (not committed; the
# seeds in fuzz/corpus are). A finding is written to build-fuzz/artifacts/
# (crash-*, timeout-*, leak-*, oom-*). To handle one:
#   build-fuzz/fuzz/vmsim_cpu_fuzz ARTIFACT                      # reproduce
#   build-fuzz/fuzz/vmsim_cpu_fuzz -minimize_crash=1 -runs=20000 \
#         -exact_artifact_path=fuzz/regressions/NAME ARTIFACT    # minimize
# then fix it; tests/unit/fuzz_corpus_test.cpp replays fuzz/regressions/ in
# every normal build. Extra libFuzzer flags can be passed in FUZZ_FLAGS
# (e.g. FUZZ_FLAGS=-jobs=2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
build=$root/build-fuzz

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMSIM_FUZZ=ON -DVMSIM_BUILD_TESTS=OFF >/dev/null
ninja -C "$build" vmsim_cpu_fuzz
mkdir -p "$build/corpus" "$build/artifacts"
# shellcheck disable=SC2086
exec "$build/fuzz/vmsim_cpu_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 \
     -print_final_stats=1 -artifact_prefix="$build/artifacts/" ${FUZZ_FLAGS:-} \
     "$build/corpus" "$root/fuzz/corpus"
