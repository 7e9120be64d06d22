// SSE data movement and the control/status registers: movdqu movdqa movups
// movaps movapd, movq, movd, movhps movhpd movlps movlpd, movsd (scalar),
// ldmxcsr stmxcsr, fnstcw fldcw.
//
// Undefined flags: none (no instruction here changes RFLAGS).
#include "cpu/insn_sse.h"
#include "cpu/insn_sse_common.h"

namespace vmsim::cpu {

namespace {

using sse::load_aligned;
using sse::load_unaligned;
using sse::make_xmm;
using sse::xmm;

// movdqu movups (any alignment) and movdqa movaps movapd (16-byte aligned).
// The 128-bit store writes all 16 bytes or faults before writing any.
template <bool Aligned> struct Mov128 {
  static void rr(Cpu& c, const Insn& d) { xmm(c, d.dst) = xmm(c, d.src); }
  static void rm(Cpu& c, const Insn& d) {
    xmm(c, d.dst) = Aligned ? load_aligned(c, d) : load_unaligned(c, d);
  }
  static void mr(Cpu& c, const Insn& d) {
    const uint64_t la = Aligned ? sse::ea_aligned16(c, d) : ea(c, d);
    c.store<Xmm>(la, xmm(c, d.src));
  }
};

// movq: the low quadword; a load into an XMM register zeroes the high one
// (SDM Vol. 2B, MOVQ). movd: the low doubleword, zeroing bits 32..127.
void movq_xx(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(xmm(c, d.src).lo(), 0); }
void movq_xm(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(c.load<uint64_t>(ea(c, d)), 0); }
void movq_mx(Cpu& c, const Insn& d) { c.store<uint64_t>(ea(c, d), xmm(c, d.src).lo()); }
void movq_xr(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(get<8>(c, d.src), 0); }
void movq_rx(Cpu& c, const Insn& d) { set<8>(c, d.dst, xmm(c, d.src).lo()); }

void movd_xm(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(c.load<uint32_t>(ea(c, d)), 0); }
void movd_mx(Cpu& c, const Insn& d) { c.store<uint32_t>(ea(c, d), xmm(c, d.src).get<uint32_t>(0)); }
void movd_xr(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(get<4>(c, d.src), 0); }
void movd_rx(Cpu& c, const Insn& d) { set<4>(c, d.dst, xmm(c, d.src).get<uint32_t>(0)); }

// movhps/movhpd and movlps/movlpd: one quadword (Lane) between memory and an
// XMM register; the other quadword of the register is kept.
template <int Lane> struct MovHalf {
  static void xm(Cpu& c, const Insn& d) {
    const uint64_t v = c.load<uint64_t>(ea(c, d));
    xmm(c, d.dst).set<uint64_t>(Lane, v);
  }
  static void mx(Cpu& c, const Insn& d) {
    c.store<uint64_t>(ea(c, d), xmm(c, d.src).get<uint64_t>(Lane));
  }
};

// movsd (SSE2, F2 0F 10/11): register to register keeps the destination's
// high quadword; a load from memory zeroes it (SDM Vol. 2B, MOVSD).
void movsd_xx(Cpu& c, const Insn& d) { xmm(c, d.dst).set<uint64_t>(0, xmm(c, d.src).lo()); }
void movsd_xm(Cpu& c, const Insn& d) { xmm(c, d.dst) = make_xmm(c.load<uint64_t>(ea(c, d)), 0); }
void movsd_mx(Cpu& c, const Insn& d) { c.store<uint64_t>(ea(c, d), xmm(c, d.src).lo()); }

// ldmxcsr: a 1 in a reserved bit raises #GP(0) (SDM Vol. 2A, LDMXCSR).
void ldmxcsr(Cpu& c, const Insn& d) {
  const uint32_t v = c.load<uint32_t>(ea(c, d));
  if (v & sse::mx::kReserved) raise(kGP, 0);
  c.s.mxcsr = v;
}
void stmxcsr(Cpu& c, const Insn& d) { c.store<uint32_t>(ea(c, d), c.s.mxcsr); }

// The x87 control word. vmsim has no other x87 state: fldcw only records the
// word for fnstcw. Bits 6 and 13..15 are reserved (SDM Vol. 1, 8.1.5);
// hardware keeps bit 6 set and the others clear whatever is loaded (fldcw
// 0xFFFF then fnstcw gives 0x1F7F on real processors; Unicorn keeps the word
// as loaded, so the directed tests load only architecturally valid words).
constexpr uint16_t kFpuCwReserved = 0xE0C0;
constexpr uint16_t kFpuCwOnes = 0x0040;
void fnstcw(Cpu& c, const Insn& d) { c.store<uint16_t>(ea(c, d), c.s.fpu_cw); }
void fldcw(Cpu& c, const Insn& d) {
  const uint16_t v = c.load<uint16_t>(ea(c, d));
  c.s.fpu_cw = static_cast<uint16_t>((v & ~kFpuCwReserved) | kFpuCwOnes);
}

}  // namespace

bool bind_sse_mov128(const DecodeCtx& z, Insn& d) {
  const bool aligned = z.zi.mnemonic != ZYDIS_MNEMONIC_MOVDQU && z.zi.mnemonic != ZYDIS_MNEMONIC_MOVUPS;
  if (z.is_xmm(0) && z.is_xmm(1)) {
    d.dst = z.xmm(0);
    d.src = z.xmm(1);
    d.fn = Mov128<false>::rr;
  } else if (z.is_xmm(0) && z.is_mem(1)) {
    d.dst = z.xmm(0);
    d.fn = aligned ? Mov128<true>::rm : Mov128<false>::rm;
  } else if (z.is_mem(0) && z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = aligned ? Mov128<true>::mr : Mov128<false>::mr;
  } else {
    return false;
  }
  return true;
}

bool bind_sse_movq(const DecodeCtx& z, Insn& d) {
  if (z.is_xmm(0)) {
    d.dst = z.xmm(0);
    if (z.is_xmm(1)) {
      d.src = z.xmm(1);
      d.fn = movq_xx;
    } else if (z.is_mem(1)) {
      d.fn = movq_xm;
    } else if (z.is_gpr(1) && z.bytes(1) == 8) {
      d.fn = movq_xr;  // d.src: prefill
    } else {
      return false;
    }
    return true;
  }
  if (!z.is_xmm(1)) return false;  // mm registers
  d.src = z.xmm(1);
  if (z.is_mem(0)) d.fn = movq_mx;
  else if (z.is_gpr(0) && z.bytes(0) == 8) d.fn = movq_rx;  // d.dst: prefill
  else return false;
  return true;
}

bool bind_sse_movd(const DecodeCtx& z, Insn& d) {
  if (z.is_xmm(0)) {
    d.dst = z.xmm(0);
    if (z.is_mem(1)) d.fn = movd_xm;
    else if (z.is_gpr(1) && z.bytes(1) == 4) d.fn = movd_xr;
    else return false;
    return true;
  }
  if (!z.is_xmm(1)) return false;
  d.src = z.xmm(1);
  if (z.is_mem(0)) d.fn = movd_mx;
  else if (z.is_gpr(0) && z.bytes(0) == 4) d.fn = movd_rx;
  else return false;
  return true;
}

namespace {
template <int Lane> bool bind_half(const DecodeCtx& z, Insn& d) {
  if (z.is_xmm(0) && z.is_mem(1)) {
    d.dst = z.xmm(0);
    d.fn = MovHalf<Lane>::xm;
  } else if (z.is_mem(0) && z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = MovHalf<Lane>::mx;
  } else {
    return false;  // the register forms are movhlps/movlhps, other mnemonics
  }
  return true;
}
}  // namespace

bool bind_sse_movhp(const DecodeCtx& z, Insn& d) { return bind_half<1>(z, d); }
bool bind_sse_movlp(const DecodeCtx& z, Insn& d) { return bind_half<0>(z, d); }

bool bind_sse_movsd(const DecodeCtx& z, Insn& d) {
  if (z.is_xmm(0) && z.is_xmm(1)) {
    d.dst = z.xmm(0);
    d.src = z.xmm(1);
    d.fn = movsd_xx;
  } else if (z.is_xmm(0) && z.is_mem(1)) {
    d.dst = z.xmm(0);
    d.fn = movsd_xm;
  } else if (z.is_mem(0) && z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = movsd_mx;
  } else {
    return false;  // the string instruction movs dword
  }
  return true;
}

bool bind_ldmxcsr(const DecodeCtx& z, Insn& d) {
  d.fn = z.is_mem(0) ? ldmxcsr : nullptr;
  return d.fn != nullptr;
}
bool bind_stmxcsr(const DecodeCtx& z, Insn& d) {
  d.fn = z.is_mem(0) ? stmxcsr : nullptr;
  return d.fn != nullptr;
}
bool bind_fnstcw(const DecodeCtx& z, Insn& d) {
  d.fn = z.is_mem(0) ? fnstcw : nullptr;
  return d.fn != nullptr;
}
bool bind_fldcw(const DecodeCtx& z, Insn& d) {
  d.fn = z.is_mem(0) ? fldcw : nullptr;
  return d.fn != nullptr;
}

}  // namespace vmsim::cpu
