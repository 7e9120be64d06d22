// Bit instructions: bt, bts, btr, btc; bsf, bsr; tzcnt, lzcnt, popcnt; and
// the BMI1 VEX instructions andn, bextr, blsi, blsmsk, blsr.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
bool bind_bt(const DecodeCtx&, Insn&);
bool bind_bts(const DecodeCtx&, Insn&);
bool bind_btr(const DecodeCtx&, Insn&);
bool bind_btc(const DecodeCtx&, Insn&);
bool bind_bsf(const DecodeCtx&, Insn&);
bool bind_bsr(const DecodeCtx&, Insn&);
bool bind_tzcnt(const DecodeCtx&, Insn&);
bool bind_lzcnt(const DecodeCtx&, Insn&);
bool bind_popcnt(const DecodeCtx&, Insn&);
bool bind_andn(const DecodeCtx&, Insn&);
bool bind_bextr(const DecodeCtx&, Insn&);
bool bind_blsi(const DecodeCtx&, Insn&);
bool bind_blsmsk(const DecodeCtx&, Insn&);
bool bind_blsr(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_BITS(X) \
  X(BT, bind_bt)            \
  X(BTS, bind_bts)          \
  X(BTR, bind_btr)          \
  X(BTC, bind_btc)          \
  X(BSF, bind_bsf)          \
  X(BSR, bind_bsr)          \
  X(TZCNT, bind_tzcnt)      \
  X(LZCNT, bind_lzcnt)      \
  X(POPCNT, bind_popcnt)    \
  X(ANDN, bind_andn)        \
  X(BEXTR, bind_bextr)      \
  X(BLSI, bind_blsi)        \
  X(BLSMSK, bind_blsmsk)    \
  X(BLSR, bind_blsr)
