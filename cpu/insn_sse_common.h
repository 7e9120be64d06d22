// Shared by the SSE group's files (insn_sse_*.cpp): MXCSR bits, XMM register
// and 128-bit memory access, the alignment rule for 16-byte operands.
#pragma once
#include <cstdint>

#include "cpu/exec.h"

namespace vmsim::cpu::sse {

// MXCSR (SDM Vol. 1, 10.2.3).
namespace mx {
inline constexpr uint32_t IE = 1u << 0;  // invalid operation
inline constexpr uint32_t DE = 1u << 1;  // denormal operand
inline constexpr uint32_t ZE = 1u << 2;  // divide by zero
inline constexpr uint32_t OE = 1u << 3;  // overflow
inline constexpr uint32_t UE = 1u << 4;  // underflow
inline constexpr uint32_t PE = 1u << 5;  // precision (inexact)
inline constexpr uint32_t kFlags = 0x3F;
inline constexpr uint32_t DAZ = 1u << 6;
inline constexpr unsigned kMaskShift = 7;  // IM..PM are the flags shifted left by 7
inline constexpr uint32_t kMasks = kFlags << kMaskShift;
inline constexpr uint32_t UM = UE << kMaskShift;
inline constexpr uint32_t RC = 3u << 13;
inline constexpr uint32_t FTZ = 1u << 15;
// Bits 16..31 are reserved: MXCSR_MASK is 0xFFFF on every processor with
// DAZ (SDM Vol. 1, 11.6.6), and loading a 1 into them raises #GP(0).
inline constexpr uint32_t kReserved = 0xFFFF0000u;
}  // namespace mx

// XMM registers by index (Insn::dst / Insn::src hold the index).
inline Xmm& xmm(Cpu& c, uint8_t i) { return c.s.xmm[i]; }
inline const Xmm& xmm(const Cpu& c, uint8_t i) { return c.s.xmm[i]; }

// Xmm is a trivially copyable 16-byte type, so it is also the value type of a
// 128-bit memory access (c.load<Xmm> / c.store<Xmm>).
static_assert(sizeof(Xmm) == 16);

// Linear address of a 16-byte operand that must be 16-byte aligned: the
// explicitly aligned moves (movdqa, movaps, movapd: exception class Type 1)
// and every other legacy-SSE instruction with an m128 operand (Types 2 and 4)
// raise #GP(0) otherwise (SDM Vol. 2A, 2.4, Tables 2-18 and 2-21; Vol. 3A,
// 6.15 "Interrupt 13"). Only the unaligned moves (movdqu, movups) and the
// operands narrower than 16 bytes (Types 3 and 5) are exempt. The check comes
// before any translation, so it wins over a page fault.
inline uint64_t ea_aligned16(const Cpu& c, const Insn& d) {
  const uint64_t la = ea(c, d);
  if (la & 15) [[unlikely]] raise(kGP, 0);
  return la;
}

inline Xmm load_aligned(Cpu& c, const Insn& d) { return c.load<Xmm>(ea_aligned16(c, d)); }
inline Xmm load_unaligned(Cpu& c, const Insn& d) { return c.load<Xmm>(ea(c, d)); }

inline Xmm make_xmm(uint64_t lo, uint64_t hi) {
  Xmm x;
  x.set<uint64_t>(0, lo);
  x.set<uint64_t>(1, hi);
  return x;
}

// Operation 'Op' (static Xmm f(const Xmm& dst, const Xmm& src)) in the forms
// xmm, xmm and xmm, m128 (aligned).
template <class Op> struct XmmBinary {
  static void rr(Cpu& c, const Insn& d) { xmm(c, d.dst) = Op::f(xmm(c, d.dst), xmm(c, d.src)); }
  static void rm(Cpu& c, const Insn& d) {
    const Xmm s = load_aligned(c, d);
    xmm(c, d.dst) = Op::f(xmm(c, d.dst), s);
  }
};

// Binds 'xmm, xmm/m128' for a family built with XmmBinary. The XMM indices go
// into dst/src here: the decoder's prefill only knows general registers.
template <class Op> bool bind_xmm_binary(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0)) return false;  // mm registers: MMX is not implemented
  d.dst = z.xmm(0);
  if (z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = XmmBinary<Op>::rr;
  } else if (z.is_mem(1)) {
    d.fn = XmmBinary<Op>::rm;
  } else {
    return false;
  }
  return true;
}

}  // namespace vmsim::cpu::sse
