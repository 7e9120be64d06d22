// String instructions: movs, stos, lods, cmps, scas in every size (b/w/d/q),
// alone or with REP / REPE / REPNE, in either direction (DF), at any address
// size, with a segment override on the source.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_movs(const DecodeCtx&, Insn&);
bool bind_movsd(const DecodeCtx&, Insn&);  // string movsd, or the SSE2 scalar move
bool bind_stos(const DecodeCtx&, Insn&);
bool bind_lods(const DecodeCtx&, Insn&);
bool bind_cmps(const DecodeCtx&, Insn&);
bool bind_cmpsd(const DecodeCtx&, Insn&);  // string cmpsd, or the SSE2 scalar compare
bool bind_scas(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

// MOVSD and CMPSD name both a string instruction and an SSE2 instruction in
// Zydis; they are listed here only, and their binders hand the SSE forms to
// the SSE group (bind_sse_movsd, bind_sse_cmpsd).
#define VMSIM_INSNS_STRING(X)                                                          \
  X(MOVSB, bind_movs) X(MOVSW, bind_movs) X(MOVSD, bind_movsd) X(MOVSQ, bind_movs)     \
  X(STOSB, bind_stos) X(STOSW, bind_stos) X(STOSD, bind_stos) X(STOSQ, bind_stos)      \
  X(LODSB, bind_lods) X(LODSW, bind_lods) X(LODSD, bind_lods) X(LODSQ, bind_lods)      \
  X(CMPSB, bind_cmps) X(CMPSW, bind_cmps) X(CMPSD, bind_cmpsd) X(CMPSQ, bind_cmps)     \
  X(SCASB, bind_scas) X(SCASW, bind_scas) X(SCASD, bind_scas) X(SCASQ, bind_scas)
