// Integer arithmetic and logic: add, or, adc, sbb, and, sub, xor, cmp, test,
// inc, dec, not, neg.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_add(const DecodeCtx&, Insn&);
bool bind_or(const DecodeCtx&, Insn&);
bool bind_adc(const DecodeCtx&, Insn&);
bool bind_sbb(const DecodeCtx&, Insn&);
bool bind_and(const DecodeCtx&, Insn&);
bool bind_sub(const DecodeCtx&, Insn&);
bool bind_xor(const DecodeCtx&, Insn&);
bool bind_cmp(const DecodeCtx&, Insn&);
bool bind_test(const DecodeCtx&, Insn&);
bool bind_inc(const DecodeCtx&, Insn&);
bool bind_dec(const DecodeCtx&, Insn&);
bool bind_not(const DecodeCtx&, Insn&);
bool bind_neg(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_ALU(X) \
  X(ADD, bind_add)         \
  X(OR, bind_or)           \
  X(ADC, bind_adc)         \
  X(SBB, bind_sbb)         \
  X(AND, bind_and)         \
  X(SUB, bind_sub)         \
  X(XOR, bind_xor)         \
  X(CMP, bind_cmp)         \
  X(TEST, bind_test)       \
  X(INC, bind_inc)         \
  X(DEC, bind_dec)         \
  X(NOT, bind_not)         \
  X(NEG, bind_neg)
