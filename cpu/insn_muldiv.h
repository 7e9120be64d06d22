// Multiplication, division and accumulator sign extension: mul, imul (one,
// two and three operands), div, idiv, cbw, cwde, cdqe, cwd, cdq, cqo.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_mul(const DecodeCtx&, Insn&);
bool bind_imul(const DecodeCtx&, Insn&);
bool bind_div(const DecodeCtx&, Insn&);
bool bind_idiv(const DecodeCtx&, Insn&);
bool bind_convert(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_MULDIV(X) \
  X(MUL, bind_mul)            \
  X(IMUL, bind_imul)          \
  X(DIV, bind_div)            \
  X(IDIV, bind_idiv)          \
  X(CBW, bind_convert)        \
  X(CWDE, bind_convert)       \
  X(CDQE, bind_convert)       \
  X(CWD, bind_convert)        \
  X(CDQ, bind_convert)        \
  X(CQO, bind_convert)
