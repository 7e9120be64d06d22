// SSE2 integer and bitwise operations on XMM registers: pxor por pand pandn
// andpd xorps, pcmpeqb/w/d, pminub, psubb, punpcklbw/wd/dq/qdq, pshufd,
// pmovmskb, pslldq psrldq. Every m128 operand must be 16-byte aligned
// (exception classes Type 4; see sse::ea_aligned16). None of them raises a
// SIMD floating-point exception, andpd and xorps included.
//
// Undefined flags: none (no instruction here changes RFLAGS).
//
// Written as plain loops over lanes: compilers turn them into the host's
// vector instructions, and the code stays portable.
#include "cpu/insn_sse.h"
#include "cpu/insn_sse_common.h"

namespace vmsim::cpu {

namespace {

using sse::bind_xmm_binary;
using sse::make_xmm;
using sse::xmm;

// --- Bitwise ---------------------------------------------------------------
struct Xor {
  static Xmm f(const Xmm& a, const Xmm& b) { return make_xmm(a.lo() ^ b.lo(), a.hi() ^ b.hi()); }
};
struct Or {
  static Xmm f(const Xmm& a, const Xmm& b) { return make_xmm(a.lo() | b.lo(), a.hi() | b.hi()); }
};
struct And {
  static Xmm f(const Xmm& a, const Xmm& b) { return make_xmm(a.lo() & b.lo(), a.hi() & b.hi()); }
};
// pandn: dst = NOT dst AND src.
struct AndNot {
  static Xmm f(const Xmm& a, const Xmm& b) { return make_xmm(~a.lo() & b.lo(), ~a.hi() & b.hi()); }
};

// --- Lane-wise -------------------------------------------------------------
template <class T> struct CmpEq {
  static Xmm f(const Xmm& a, const Xmm& b) {
    Xmm r;
    for (int i = 0; i < 16 / int(sizeof(T)); ++i)
      r.set<T>(i, a.get<T>(i) == b.get<T>(i) ? T(~T(0)) : T(0));
    return r;
  }
};
struct MinUB {
  static Xmm f(const Xmm& a, const Xmm& b) {
    Xmm r;
    for (int i = 0; i < 16; ++i) r.b[i] = a.b[i] < b.b[i] ? a.b[i] : b.b[i];
    return r;
  }
};
struct SubB {
  static Xmm f(const Xmm& a, const Xmm& b) {
    Xmm r;
    for (int i = 0; i < 16; ++i) r.b[i] = static_cast<uint8_t>(a.b[i] - b.b[i]);
    return r;
  }
};

// punpckl*: interleave the low halves, destination element first
// (SDM Vol. 2B, PUNPCKLBW/PUNPCKLWD/PUNPCKLDQ/PUNPCKLQDQ). The m128 source is
// read whole (and must be aligned) although only its low half is used.
template <class T> struct UnpackLow {
  static Xmm f(const Xmm& a, const Xmm& b) {
    Xmm r;
    for (int i = 0; i < 8 / int(sizeof(T)); ++i) {
      r.set<T>(2 * i, a.get<T>(i));
      r.set<T>(2 * i + 1, b.get<T>(i));
    }
    return r;
  }
};

// --- pshufd xmm, xmm/m128, imm8: dword i = src dword imm8[2i+1:2i] -----------
Xmm pshufd(const Xmm& s, uint8_t imm) {
  Xmm r;
  for (int i = 0; i < 4; ++i) r.set<uint32_t>(i, s.get<uint32_t>((imm >> (2 * i)) & 3));
  return r;
}
void pshufd_rr(Cpu& c, const Insn& d) { xmm(c, d.dst) = pshufd(xmm(c, d.src), d.aux); }
void pshufd_rm(Cpu& c, const Insn& d) { xmm(c, d.dst) = pshufd(sse::load_aligned(c, d), d.aux); }

// --- pmovmskb r32/r64, xmm: the sign bit of each byte, zero-extended ---------
void pmovmskb(Cpu& c, const Insn& d) {
  const Xmm& s = xmm(c, d.src);
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) m |= uint32_t(s.b[i] >> 7) << i;
  c.s.r[d.dst >> 3] = m;
}

// --- pslldq / psrldq xmm, imm8: shift by imm8 bytes; above 15 clears --------
void pslldq(Cpu& c, const Insn& d) {
  Xmm& x = xmm(c, d.dst);
  const unsigned n = d.aux > 16 ? 16 : d.aux;
  Xmm r{};
  for (unsigned i = n; i < 16; ++i) r.b[i] = x.b[i - n];
  x = r;
}
void psrldq(Cpu& c, const Insn& d) {
  Xmm& x = xmm(c, d.dst);
  const unsigned n = d.aux > 16 ? 16 : d.aux;
  Xmm r{};
  for (unsigned i = 0; i + n < 16; ++i) r.b[i] = x.b[i + n];
  x = r;
}

}  // namespace

bool bind_sse_logic(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_PXOR:
    case ZYDIS_MNEMONIC_XORPS: return bind_xmm_binary<Xor>(z, d);
    case ZYDIS_MNEMONIC_POR: return bind_xmm_binary<Or>(z, d);
    case ZYDIS_MNEMONIC_PAND:
    case ZYDIS_MNEMONIC_ANDPD: return bind_xmm_binary<And>(z, d);
    case ZYDIS_MNEMONIC_PANDN: return bind_xmm_binary<AndNot>(z, d);
    default: return false;
  }
}

bool bind_sse_pcmpeq(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_PCMPEQB: return bind_xmm_binary<CmpEq<uint8_t>>(z, d);
    case ZYDIS_MNEMONIC_PCMPEQW: return bind_xmm_binary<CmpEq<uint16_t>>(z, d);
    case ZYDIS_MNEMONIC_PCMPEQD: return bind_xmm_binary<CmpEq<uint32_t>>(z, d);
    default: return false;
  }
}

bool bind_sse_pminub(const DecodeCtx& z, Insn& d) { return bind_xmm_binary<MinUB>(z, d); }
bool bind_sse_psubb(const DecodeCtx& z, Insn& d) { return bind_xmm_binary<SubB>(z, d); }

bool bind_sse_punpckl(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_PUNPCKLBW: return bind_xmm_binary<UnpackLow<uint8_t>>(z, d);
    case ZYDIS_MNEMONIC_PUNPCKLWD: return bind_xmm_binary<UnpackLow<uint16_t>>(z, d);
    case ZYDIS_MNEMONIC_PUNPCKLDQ: return bind_xmm_binary<UnpackLow<uint32_t>>(z, d);
    case ZYDIS_MNEMONIC_PUNPCKLQDQ: return bind_xmm_binary<UnpackLow<uint64_t>>(z, d);
    default: return false;
  }
}

bool bind_sse_pshufd(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0) || !z.is_imm(2)) return false;
  d.dst = z.xmm(0);
  d.aux = static_cast<uint8_t>(d.imm);
  if (z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = pshufd_rr;
  } else if (z.is_mem(1)) {
    d.fn = pshufd_rm;
  } else {
    return false;
  }
  return true;
}

bool bind_sse_pmovmskb(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0) || !z.is_xmm(1) || z.bytes(0) < 4) return false;
  d.src = z.xmm(1);  // d.dst: the general register, from prefill
  d.fn = pmovmskb;
  return true;
}

bool bind_sse_byteshift(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0) || !z.is_imm(1)) return false;
  d.dst = z.xmm(0);
  d.aux = static_cast<uint8_t>(d.imm);
  d.fn = z.zi.mnemonic == ZYDIS_MNEMONIC_PSLLDQ ? pslldq : psrldq;
  return true;
}

}  // namespace vmsim::cpu
