// SSE/SSE2, the subset a C library uses, in its legacy (non-VEX) encodings:
//   moves:    movdqu movdqa movups movaps movapd movq movd movhps movhpd
//             movlps movlpd movsd (scalar)
//   integer:  pxor por pand pandn andpd xorps pcmpeqb/w/d pmovmskb pminub
//             psubb pshufd punpcklbw/wd/dq/qdq pslldq psrldq
//   floating: addsd subsd mulsd divsd sqrtsd comisd ucomisd cmpsd cvtsi2sd
//             cvttsd2si
//   control:  ldmxcsr stmxcsr, and the x87 control word pair fnstcw/fldcw
// MMX forms of the shared mnemonics (mm registers) are not implemented.
//
// movsd and cmpsd share their mnemonics with the string instructions; the
// string group owns those X-macro entries and calls bind_sse_movsd /
// bind_sse_cmpsd for the forms with XMM operands.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
// insn_sse_move.cpp
bool bind_sse_mov128(const DecodeCtx&, Insn&);  // movdqu movdqa movups movaps movapd
bool bind_sse_movq(const DecodeCtx&, Insn&);
bool bind_sse_movd(const DecodeCtx&, Insn&);
bool bind_sse_movhp(const DecodeCtx&, Insn&);   // movhps movhpd
bool bind_sse_movlp(const DecodeCtx&, Insn&);   // movlps movlpd
bool bind_sse_movsd(const DecodeCtx&, Insn&);   // called by the string group's MOVSD binder
bool bind_ldmxcsr(const DecodeCtx&, Insn&);
bool bind_stmxcsr(const DecodeCtx&, Insn&);
bool bind_fnstcw(const DecodeCtx&, Insn&);
bool bind_fldcw(const DecodeCtx&, Insn&);
// insn_sse_int.cpp
bool bind_sse_logic(const DecodeCtx&, Insn&);   // pxor por pand pandn andpd xorps
bool bind_sse_pcmpeq(const DecodeCtx&, Insn&);
bool bind_sse_pminub(const DecodeCtx&, Insn&);
bool bind_sse_psubb(const DecodeCtx&, Insn&);
bool bind_sse_punpckl(const DecodeCtx&, Insn&);
bool bind_sse_pshufd(const DecodeCtx&, Insn&);
bool bind_sse_pmovmskb(const DecodeCtx&, Insn&);
bool bind_sse_byteshift(const DecodeCtx&, Insn&);  // pslldq psrldq
// insn_sse_fp.cpp
bool bind_sse_arith_sd(const DecodeCtx&, Insn&);   // addsd subsd mulsd divsd sqrtsd
bool bind_sse_comisd(const DecodeCtx&, Insn&);     // comisd ucomisd
bool bind_sse_cvtsi2sd(const DecodeCtx&, Insn&);
bool bind_sse_cvttsd2si(const DecodeCtx&, Insn&);
bool bind_sse_cmpsd(const DecodeCtx&, Insn&);      // called by the string group's CMPSD binder
}  // namespace vmsim::cpu

#define VMSIM_INSNS_SSE(X)          \
  X(MOVDQU, bind_sse_mov128)        \
  X(MOVDQA, bind_sse_mov128)        \
  X(MOVUPS, bind_sse_mov128)        \
  X(MOVAPS, bind_sse_mov128)        \
  X(MOVAPD, bind_sse_mov128)        \
  X(MOVQ, bind_sse_movq)            \
  X(MOVD, bind_sse_movd)            \
  X(MOVHPS, bind_sse_movhp)         \
  X(MOVHPD, bind_sse_movhp)         \
  X(MOVLPS, bind_sse_movlp)         \
  X(MOVLPD, bind_sse_movlp)         \
  X(LDMXCSR, bind_ldmxcsr)          \
  X(STMXCSR, bind_stmxcsr)          \
  X(FNSTCW, bind_fnstcw)            \
  X(FLDCW, bind_fldcw)              \
  X(PXOR, bind_sse_logic)           \
  X(POR, bind_sse_logic)            \
  X(PAND, bind_sse_logic)           \
  X(PANDN, bind_sse_logic)          \
  X(ANDPD, bind_sse_logic)          \
  X(XORPS, bind_sse_logic)          \
  X(PCMPEQB, bind_sse_pcmpeq)       \
  X(PCMPEQW, bind_sse_pcmpeq)       \
  X(PCMPEQD, bind_sse_pcmpeq)       \
  X(PMINUB, bind_sse_pminub)        \
  X(PSUBB, bind_sse_psubb)          \
  X(PUNPCKLBW, bind_sse_punpckl)    \
  X(PUNPCKLWD, bind_sse_punpckl)    \
  X(PUNPCKLDQ, bind_sse_punpckl)    \
  X(PUNPCKLQDQ, bind_sse_punpckl)   \
  X(PSHUFD, bind_sse_pshufd)        \
  X(PMOVMSKB, bind_sse_pmovmskb)    \
  X(PSLLDQ, bind_sse_byteshift)     \
  X(PSRLDQ, bind_sse_byteshift)     \
  X(ADDSD, bind_sse_arith_sd)       \
  X(SUBSD, bind_sse_arith_sd)       \
  X(MULSD, bind_sse_arith_sd)       \
  X(DIVSD, bind_sse_arith_sd)       \
  X(SQRTSD, bind_sse_arith_sd)      \
  X(COMISD, bind_sse_comisd)        \
  X(UCOMISD, bind_sse_comisd)       \
  X(CVTSI2SD, bind_sse_cvtsi2sd)    \
  X(CVTTSD2SI, bind_sse_cvttsd2si)
