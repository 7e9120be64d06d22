// Near control flow: jmp, jcc, call, ret, jrcxz, loop/loope/loopne, enter, leave.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_jmp(const DecodeCtx&, Insn&);
bool bind_jcc(const DecodeCtx&, Insn&);
bool bind_call(const DecodeCtx&, Insn&);
bool bind_ret(const DecodeCtx&, Insn&);
bool bind_jcxz(const DecodeCtx&, Insn&);
bool bind_loop(const DecodeCtx&, Insn&);
bool bind_enter(const DecodeCtx&, Insn&);
bool bind_leave(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_CONTROL(X)                                                      \
  X(JMP, bind_jmp)                                                                  \
  X(JO, bind_jcc) X(JNO, bind_jcc) X(JB, bind_jcc) X(JNB, bind_jcc) X(JZ, bind_jcc) \
  X(JNZ, bind_jcc) X(JBE, bind_jcc) X(JNBE, bind_jcc) X(JS, bind_jcc)               \
  X(JNS, bind_jcc) X(JP, bind_jcc) X(JNP, bind_jcc) X(JL, bind_jcc)                 \
  X(JNL, bind_jcc) X(JLE, bind_jcc) X(JNLE, bind_jcc)                               \
  X(CALL, bind_call)                                                                \
  X(RET, bind_ret)                                                                  \
  X(JRCXZ, bind_jcxz) X(JECXZ, bind_jcxz) X(JCXZ, bind_jcxz)                        \
  X(LOOP, bind_loop) X(LOOPE, bind_loop) X(LOOPNE, bind_loop)                       \
  X(ENTER, bind_enter)                                                              \
  X(LEAVE, bind_leave)
