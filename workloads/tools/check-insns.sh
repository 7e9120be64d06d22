#!/usr/bin/env bash
# check-insns.sh [--kernel] ELF...: fail when a guest binary contains an
# instruction vmsim's CPU does not implement: x87 arithmetic, MMX, AVX/VEX,
# fxsave/xsave, rdrand/rdseed, or an SSE instruction outside the supported
# subset (DESIGN: the SSE2 subset the libc uses).
set -euo pipefail
objdump=${OBJDUMP:-objdump}
# --kernel: only .text (the kernel's .boot section mixes its entry code with
# the boot page tables, whose bytes disassemble as noise).
status=0
sections=()
for f in "$@"; do
  if [[ $f == --kernel ]]; then
    sections=(-j .text)
    continue
  fi
  if ! "$objdump" -d --no-show-raw-insn "${sections[@]}" "$f" >"$f.dis" 2>/dev/null; then
    echo "check-insns: cannot disassemble $f" >&2
    exit 1
  fi
  if ! awk -v file="$f" '
    BEGIN {
      n = split("movdqu movdqa movups movaps movapd movq movd movhps movhpd movlpd movlps pxor por pand pandn " \
                "pcmpeqb pcmpeqw pcmpeqd pmovmskb pminub psubb pshufd punpcklbw punpcklwd punpckldq punpcklqdq " \
                "pslldq psrldq movsd addsd subsd mulsd divsd sqrtsd comisd ucomisd cvtsi2sd cvtsi2sdl cvtsi2sdq " \
                "cvttsd2si cvttsd2sil cvttsd2siq andpd xorps ldmxcsr stmxcsr fnstcw fldcw", ok, " ")
      for (i = 1; i <= n; ++i) allowed[ok[i]] = 1
      bad = 0
    }
    /^ *[0-9a-f]+:\t/ {
      line = $0
      sub(/^ *[0-9a-f]+:\t/, "", line)
      split(line, parts, /[ \t]+/)
      m = parts[1]
      if (m == "rep" || m == "repz" || m == "repnz" || m == "lock" || m == "data16" || m == "notrack" || m == "bnd") m = parts[2]
      reason = ""
      if (m ~ /^(fxsave|fxrstor|xsave|xrstor|xsaveopt|xsavec|xgetbv|rdrand|rdseed)/) reason = "not implemented"
      else if (m ~ /^f/ && !(m in allowed) && m != "fwait") reason = "x87"
      else if (m ~ /^v/ && m != "verr" && m != "verw") reason = "AVX/VEX"
      else if (line ~ /%ymm|%zmm|%mm[0-7]|%k[0-7]/) reason = "AVX or MMX register"
      else if ((line ~ /%xmm/ || m ~ /mxcsr/) && !(m in allowed)) reason = "SSE outside the supported subset"
      if (reason != "") {
        printf "%s: %s: %s\n", file, reason, line
        bad = 1
      }
    }
    END { exit bad }' "$f.dis"; then
    status=1
  fi
  rm -f "$f.dis"
done
exit $status
