// Data movement: mov, movzx, movsx, movsxd, lea, xchg, cmpxchg,
// cmpxchg8b/16b, xadd, bswap, push, pop, cmovcc, setcc.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_mov(const DecodeCtx&, Insn&);
bool bind_movzx(const DecodeCtx&, Insn&);
bool bind_movsx(const DecodeCtx&, Insn&);
bool bind_lea(const DecodeCtx&, Insn&);
bool bind_xchg(const DecodeCtx&, Insn&);
bool bind_cmpxchg(const DecodeCtx&, Insn&);
bool bind_cmpxchg8b(const DecodeCtx&, Insn&);
bool bind_cmpxchg16b(const DecodeCtx&, Insn&);
bool bind_xadd(const DecodeCtx&, Insn&);
bool bind_bswap(const DecodeCtx&, Insn&);
bool bind_push(const DecodeCtx&, Insn&);
bool bind_pop(const DecodeCtx&, Insn&);
bool bind_cmovcc(const DecodeCtx&, Insn&);
bool bind_setcc(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_MOVE(X)                                                               \
  X(MOV, bind_mov)                                                                        \
  X(MOVZX, bind_movzx)                                                                    \
  X(MOVSX, bind_movsx)                                                                    \
  X(MOVSXD, bind_movsx)                                                                   \
  X(LEA, bind_lea)                                                                        \
  X(XCHG, bind_xchg)                                                                      \
  X(CMPXCHG, bind_cmpxchg)                                                                \
  X(CMPXCHG8B, bind_cmpxchg8b)                                                            \
  X(CMPXCHG16B, bind_cmpxchg16b)                                                          \
  X(XADD, bind_xadd)                                                                      \
  X(BSWAP, bind_bswap)                                                                    \
  X(PUSH, bind_push)                                                                      \
  X(POP, bind_pop)                                                                        \
  X(CMOVO, bind_cmovcc) X(CMOVNO, bind_cmovcc) X(CMOVB, bind_cmovcc)                      \
  X(CMOVNB, bind_cmovcc) X(CMOVZ, bind_cmovcc) X(CMOVNZ, bind_cmovcc)                     \
  X(CMOVBE, bind_cmovcc) X(CMOVNBE, bind_cmovcc) X(CMOVS, bind_cmovcc)                    \
  X(CMOVNS, bind_cmovcc) X(CMOVP, bind_cmovcc) X(CMOVNP, bind_cmovcc)                     \
  X(CMOVL, bind_cmovcc) X(CMOVNL, bind_cmovcc) X(CMOVLE, bind_cmovcc)                     \
  X(CMOVNLE, bind_cmovcc)                                                                 \
  X(SETO, bind_setcc) X(SETNO, bind_setcc) X(SETB, bind_setcc) X(SETNB, bind_setcc)       \
  X(SETZ, bind_setcc) X(SETNZ, bind_setcc) X(SETBE, bind_setcc) X(SETNBE, bind_setcc)     \
  X(SETS, bind_setcc) X(SETNS, bind_setcc) X(SETP, bind_setcc) X(SETNP, bind_setcc)       \
  X(SETL, bind_setcc) X(SETNL, bind_setcc) X(SETLE, bind_setcc) X(SETNLE, bind_setcc)
