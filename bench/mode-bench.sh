#!/usr/bin/env bash
# vmsim's own host time per MMU mode on bundled workloads, in the same run:
# the modes alternate (A B A B ...) so that machine noise hits all of them
# alike; the best of --repeat runs per mode is reported, with its ratio to
# the first mode. The consoles must agree (DESIGN §1), or the bench fails.
#
#   bench/mode-bench.sh [--repeat N] [--vmsim PATH] WORKLOAD[,WORKLOAD...] MODE[,MODE...] [-- --set K=V ...]
#   bench/mode-bench.sh ptrchase native,ept
#   bench/mode-bench.sh forkexec,ptrchase native,shadow
# Output: one line per workload and mode: seconds (best), MIPS, ratio to the first mode.
set -euo pipefail
repeat=3
vmsim="$(dirname "$0")/../build/vmsim"
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift 2 ;;
    --vmsim) vmsim="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { echo "usage: mode-bench.sh [--repeat N] WORKLOADS MODES [-- --set K=V ...]" >&2; exit 2; }
IFS=, read -r -a workloads <<<"$1"
IFS=, read -r -a modes <<<"$2"
shift 2
[ "${1:-}" = "--" ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # field FILE KEY: the first number after "KEY": in a result JSON
  grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -1 | sed 's/.*: *//'
}

printf '%-10s %-8s %10s %10s %8s\n' workload mode seconds MIPS ratio
for w in "${workloads[@]}"; do
  declare -A best=() mips=() sha=()
  for ((r = 0; r < repeat; r++)); do
    for m in "${modes[@]}"; do
      out="$tmp/$w-$m.json"
      "$vmsim" run --quiet --mmu "$m" -o "$out" "$@" "$w" 2>/dev/null || { echo "mode-bench: $w under $m failed" >&2; exit 1; }
      s=$(field "$out" wall_seconds)
      if [ -z "${best[$m]:-}" ] || awk "BEGIN{exit !($s < ${best[$m]})}"; then
        best[$m]=$s; mips[$m]=$(field "$out" mips)
      fi
      sha[$m]=$(grep -o '"console_sha256": *"[0-9a-f]*"' "$out" | sed 's/.*"\([0-9a-f]*\)"$/\1/')
    done
  done
  base=${best[${modes[0]}]}
  for m in "${modes[@]}"; do
    [ "${sha[$m]}" = "${sha[${modes[0]}]}" ] || { echo "mode-bench: $w: console under $m differs from ${modes[0]}" >&2; exit 1; }
    printf '%-10s %-8s %10.3f %10.1f %8.2f\n' "$w" "$m" "${best[$m]}" "${mips[$m]}" "$(awk "BEGIN{print ${best[$m]}/$base}")"
  done
  unset best mips sha
done
