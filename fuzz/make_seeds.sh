#!/bin/bash
# Regenerates the seed corpus fuzz/corpus/ from code the project already has:
# the benchmark loops (bench/loops.S) and the directed difftest snippets
# (tests/diff/directed_core.S), assembled by a normal build.
#   fuzz/make_seeds.sh [BUILD_DIR]     (default: build)
# Each seed is the 2-byte sandbox header (fuzz/sandbox.h) plus the code; a
# few get the near-page-end placement or a 32-bit mode.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$root/fuzz/corpus
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# extract OBJ SECTION PREFIX: one file per NAME_start/NAME_end symbol pair.
extract() {
  local obj=$1 section=$2 prefix=$3
  objcopy -O binary --only-section="$section" "$obj" "$tmp/sec.bin"
  nm "$obj" | awk '$3 ~ /_start$/ {print $3, $1}' | while read -r sym start; do
    local name=${sym%_start}
    local end
    end=$(nm "$obj" | awk -v s="${name}_end" '$3 == s {print $1}')
    local s=$((16#$start)) e=$((16#$end))
    dd if="$tmp/sec.bin" of="$tmp/$prefix$name.code" bs=1 skip="$s" count=$((e - s)) status=none
  done
}
extract "$build/bench/CMakeFiles/vmsim_bench.dir/loops.S.o" .rodata.bench_loops ""
extract "$build/tests/CMakeFiles/diff_directed_test.dir/diff/directed_core.S.o" .rodata.snippets ""

i=0
for f in "$tmp"/*.code; do
  name=$(basename "$f" .code)
  # Mostly 64-bit at the page start; every third near the page end; every
  # fifth in compatibility mode.
  control=0
  if (( i % 3 == 2 )); then control=$((0x80 | (i % 16))); fi
  if (( i % 5 == 4 )); then control=$((control | 0x40)); fi
  { printf "\\x$(printf %02x $control)\\x$(printf %02x $((i * 37 % 256)))"; cat "$f"; } > "$out/$name"
  i=$((i + 1))
done
echo "wrote $i seeds to $out"
