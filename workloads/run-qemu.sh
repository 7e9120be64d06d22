#!/usr/bin/env bash
# Development aid: boot the guest kernel under QEMU (Multiboot, TCG) with a
# workload and print the console. Not used by CI.
#   workloads/run-qemu.sh [-b BUILD_DIR] [-t SECONDS] [-m MIB] [-k KOPTS] [-c CPU] [-d] [-i] WORKLOAD [ARGS...]
#   -d: boot kernel.elf through the direct ELF64 protocol, played by
#       directboot-shim.elf (a Multiboot image that loads it like vmsim)
#   -c: QEMU CPU model (e.g. max, for PCIDs with -k pcid=1)
#   -i: count instructions (-icount shift=0: 1 ns of guest time per
#       instruction, so the TSC-based times the workloads print are
#       instruction counts, as on vmsim)
# Exit status: the workload's exit code (QEMU's debug-exit status is
# (v << 1) | 1, so codes of 128 and more, killed processes, arrive
# truncated), 124 on timeout, 3 on a kernel panic or other crash.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
timeout=120
mem=512
kopts=""
icount=()
direct=0
cpu=()
while getopts "b:t:m:k:c:di" o; do
  case $o in
    b) build=$OPTARG ;;
    t) timeout=$OPTARG ;;
    m) mem=$OPTARG ;;
    k) kopts=$OPTARG ;;
    i) icount=(-icount shift=0) ;;
    d) direct=1 ;;
    c) cpu=(-cpu "$OPTARG") ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 ]] || { echo "usage: $0 [-b BUILD] [-t SECS] [-m MIB] [-k KOPTS] [-c CPU] [-d] [-i] WORKLOAD [ARGS...]" >&2; exit 2; }
kernel=$build/workloads/kernel32.elf
initrd=$build/workloads/initrd.cpio
[[ -f $kernel && -f $initrd ]] || { echo "run-qemu.sh: build the guests first (ninja -C build guests)" >&2; exit 2; }
if [[ $direct == 1 ]]; then
  initrd=$build/workloads/kernel.elf,$initrd
  kernel=$build/workloads/directboot-shim.elf
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout "$timeout" qemu-system-x86_64 -kernel "$kernel" -initrd "$initrd" -append "$kopts $*" \
  -serial stdio -display none -monitor none -no-reboot -m "$mem" "${icount[@]}" "${cpu[@]}" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null | tee "$out"
rc=${PIPESTATUS[0]}
if [[ $rc == 124 ]]; then echo "run-qemu.sh: timeout after ${timeout}s" >&2; exit 124; fi
if grep -q "kernel panic" "$out"; then exit 3; fi
if (( rc & 1 )); then exit $(( rc >> 1 )); fi
echo "run-qemu.sh: QEMU ended without a debug-exit write (status $rc): a triple fault?" >&2
exit 3
