// RFLAGS instructions at user level: clc, stc, cmc, cld, std, lahf, sahf,
// pushf/pushfd/pushfq (16-bit pushf with 66h), popf/popfd/popfq.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_clc(const DecodeCtx&, Insn&);
bool bind_stc(const DecodeCtx&, Insn&);
bool bind_cmc(const DecodeCtx&, Insn&);
bool bind_cld(const DecodeCtx&, Insn&);
bool bind_std(const DecodeCtx&, Insn&);
bool bind_lahf(const DecodeCtx&, Insn&);
bool bind_sahf(const DecodeCtx&, Insn&);
bool bind_pushf(const DecodeCtx&, Insn&);
bool bind_popf(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_FLAGS(X)                                                   \
  X(CLC, bind_clc)                                                             \
  X(STC, bind_stc)                                                             \
  X(CMC, bind_cmc)                                                             \
  X(CLD, bind_cld)                                                             \
  X(STD, bind_std)                                                             \
  X(LAHF, bind_lahf)                                                           \
  X(SAHF, bind_sahf)                                                           \
  X(PUSHF, bind_pushf) X(PUSHFD, bind_pushf) X(PUSHFQ, bind_pushf)             \
  X(POPF, bind_popf) X(POPFD, bind_popf) X(POPFQ, bind_popf)
