// Port I/O: in, out. The devices are behind cpu::Platform.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_in(const DecodeCtx&, Insn&);
bool bind_out(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_IO(X) \
  X(IN, bind_in)          \
  X(OUT, bind_out)
