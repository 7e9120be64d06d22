// Miscellaneous: nop (all forms), endbr64, pause, fwait, ud2, int3, cpuid,
// rdtsc. fwait is a no-op: vmsim has no x87 arithmetic, so no x87
// exception can be pending.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_nop(const DecodeCtx&, Insn&);
bool bind_ud2(const DecodeCtx&, Insn&);
bool bind_int3(const DecodeCtx&, Insn&);
bool bind_cpuid(const DecodeCtx&, Insn&);
bool bind_rdtsc(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_MISC(X) \
  X(NOP, bind_nop)          \
  X(ENDBR64, bind_nop)      \
  X(ENDBR32, bind_nop)      \
  X(PAUSE, bind_nop)        \
  X(FWAIT, bind_nop)        \
  X(UD2, bind_ud2)          \
  X(INT3, bind_int3)        \
  X(CPUID, bind_cpuid)      \
  X(RDTSC, bind_rdtsc)
