// Shifts and rotates: shl/sal (Zydis names both SHL), shr, sar, rol, ror, rcl, rcr (by 1, by CL, by
// imm8) and the double-precision shifts shld, shrd (by imm8 and by CL).
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_shl(const DecodeCtx&, Insn&);
bool bind_shr(const DecodeCtx&, Insn&);
bool bind_sar(const DecodeCtx&, Insn&);
bool bind_rol(const DecodeCtx&, Insn&);
bool bind_ror(const DecodeCtx&, Insn&);
bool bind_rcl(const DecodeCtx&, Insn&);
bool bind_rcr(const DecodeCtx&, Insn&);
bool bind_shld(const DecodeCtx&, Insn&);
bool bind_shrd(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_SHIFT(X) \
  X(SHL, bind_shl)           \
  X(SHR, bind_shr)           \
  X(SAR, bind_sar)           \
  X(ROL, bind_rol)           \
  X(ROR, bind_ror)           \
  X(RCL, bind_rcl)           \
  X(RCR, bind_rcr)           \
  X(SHLD, bind_shld)         \
  X(SHRD, bind_shrd)
