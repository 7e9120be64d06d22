#!/usr/bin/env bash
# vmsim's whole test suite, as CI runs it: the Release build's tests, then
# the same tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
# Run scripts/setup.sh first (the README's second command does).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== tests (Release build)"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== tests (ASan + UBSan build)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMSIM_SANITIZE=ON -DVMSIM_WERROR=ON >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE long
