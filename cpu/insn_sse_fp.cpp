// SSE2 scalar double-precision floating point: addsd subsd mulsd divsd
// sqrtsd, comisd ucomisd, cmpsd (predicates 0..7), cvtsi2sd, cvttsd2si.
//
// Undefined flags: none. comisd/ucomisd define all six arithmetic flags
// (ZF PF CF from the comparison, OF SF AF cleared: SDM Vol. 2A, COMISD).
//
// How the arithmetic is done. Each operation runs on the host's own SSE2 unit
// (vmsim needs an x86-64 host) under an MXCSR built from the guest's: its
// rounding control, DAZ and FTZ, with every exception masked and the flags
// clear. Afterwards the host MXCSR is restored and the flags the operation
// raised are merged into the guest's. The results, NaN payloads and flags are
// therefore those of real hardware, including SDM Vol. 1, Table 4-7 (an SSE
// operation with two NaN operands returns the first, quieted) and the
// tininess rules. Save, load, run, store and restore sit in one asm statement
// so the compiler cannot move the operation out of the guest's environment.
//
// Unmasked exceptions (SDM Vol. 1, 11.5.3). If an unmasked flag comes up, the
// destination stays unchanged and #XM is raised (CR4.OSXMMEXCPT is assumed
// set). When a pre-computation exception (IE, DE, ZE) is unmasked, only the
// pre-computation flags are recorded, as the processor stops before
// computing; otherwise every flag the operation raised is, except that after
// an unmasked overflow or underflow PE says whether the result is inexact
// with an unbounded exponent (no result rounded into range exists; measured
// on hardware, which sets PE for max*1.5 but not for max+max). Masked underflow
// needs a tiny AND inexact result, unmasked underflow only a tiny one (SDM
// Vol. 1, 11.5.2.5), so with UM clear a denormal result also raises UE; FTZ
// then stays off on the host, as it acts only when underflow is masked.
#include <bit>
#include <cmath>

#include "cpu/insn_sse.h"
#include "cpu/insn_sse_common.h"

#if !defined(__x86_64__)
#error "insn_sse_fp.cpp runs guest SSE2 arithmetic on the host's SSE2 unit: port it to a softfloat for other hosts"
#endif

namespace vmsim::cpu {

namespace {

using sse::xmm;
namespace mx = sse::mx;

// The host MXCSR for one guest operation.
inline uint32_t host_csr(uint32_t guest) {
  uint32_t h = (guest & (mx::RC | mx::DAZ | mx::FTZ)) | mx::kMasks;
  if (!(guest & mx::UM)) h &= ~mx::FTZ;
  return h;
}

constexpr uint32_t kPreComputation = mx::IE | mx::DE | mx::ZE;

inline uint32_t unmasked(const Cpu& c, uint32_t f) { return f & ~(c.s.mxcsr >> mx::kMaskShift); }

[[noreturn, gnu::noinline]] void raise_xm(Cpu& c, uint32_t f) {
  if (unmasked(c, f) & kPreComputation) f &= kPreComputation;
  c.s.mxcsr |= f;
  raise(kXM);
}

// Records the flags 'f' (MXCSR bits 0..5) an operation raised, or raises #XM
// when one of them is unmasked. Called before anything else is written.
inline void commit(Cpu& c, uint32_t f) {
  if (unmasked(c, f)) [[unlikely]] raise_xm(c, f);
  c.s.mxcsr |= f;
}

inline bool is_denormal(uint64_t v) {
  return (v & 0x7FF0000000000000ull) == 0 && (v & 0x000FFFFFFFFFFFFFull) != 0;
}

// --- Host operations ---------------------------------------------------------
// Each returns the result bits and stores the host MXCSR after the operation
// in 'after'. 'csr' is host_csr(guest MXCSR).
#define VMSIM_SSE_ENTER "stmxcsr %[saved]\n\tldmxcsr %[csr]\n\t"
#define VMSIM_SSE_LEAVE "\n\tstmxcsr %[after]\n\tldmxcsr %[saved]"

enum class Arith { Add, Sub, Mul, Div, Sqrt };

template <Arith A> uint64_t host_arith(uint64_t a, uint64_t b, uint32_t csr, uint32_t& after) {
  double x = std::bit_cast<double>(a);
  const double y = std::bit_cast<double>(b);
  uint32_t saved;
#define VMSIM_SSE_ARITH(insn)                                                  \
  asm volatile(VMSIM_SSE_ENTER insn " %[y], %[x]" VMSIM_SSE_LEAVE             \
               : [x] "+x"(x), [saved] "=m"(saved), [after] "=m"(after)         \
               : [y] "x"(y), [csr] "m"(csr))
  if constexpr (A == Arith::Add) VMSIM_SSE_ARITH("addsd");
  else if constexpr (A == Arith::Sub) VMSIM_SSE_ARITH("subsd");
  else if constexpr (A == Arith::Mul) VMSIM_SSE_ARITH("mulsd");
  else if constexpr (A == Arith::Div) VMSIM_SSE_ARITH("divsd");
  else VMSIM_SSE_ARITH("sqrtsd");  // x = sqrt(y): only the low lane is used
#undef VMSIM_SSE_ARITH
  return std::bit_cast<uint64_t>(x);
}

// cmpsd with predicate P (SDM Vol. 2A, CMPSD, Table 3-1: EQ LT LE UNORD NEQ
// NLT NLE ORD); the result is an all-ones or all-zeros quadword.
template <int P> uint64_t host_cmpsd(uint64_t a, uint64_t b, uint32_t csr, uint32_t& after) {
  double x = std::bit_cast<double>(a);
  const double y = std::bit_cast<double>(b);
  uint32_t saved;
  asm volatile(VMSIM_SSE_ENTER "cmpsd %[p], %[y], %[x]" VMSIM_SSE_LEAVE
               : [x] "+x"(x), [saved] "=m"(saved), [after] "=m"(after)
               : [y] "x"(y), [csr] "m"(csr), [p] "i"(P));
  return std::bit_cast<uint64_t>(x);
}

// comisd/ucomisd: returns ZF PF CF as RFLAGS bits.
template <bool Unordered> uint64_t host_comisd(uint64_t a, uint64_t b, uint32_t csr, uint32_t& after) {
  const double x = std::bit_cast<double>(a), y = std::bit_cast<double>(b);
  uint32_t saved;
  bool z, p, cy;
  if constexpr (Unordered) {
    asm volatile(VMSIM_SSE_ENTER "ucomisd %[y], %[x]" VMSIM_SSE_LEAVE
                 : "=@ccz"(z), "=@ccp"(p), "=@ccc"(cy), [saved] "=m"(saved), [after] "=m"(after)
                 : [x] "x"(x), [y] "x"(y), [csr] "m"(csr));
  } else {
    asm volatile(VMSIM_SSE_ENTER "comisd %[y], %[x]" VMSIM_SSE_LEAVE
                 : "=@ccz"(z), "=@ccp"(p), "=@ccc"(cy), [saved] "=m"(saved), [after] "=m"(after)
                 : [x] "x"(x), [y] "x"(y), [csr] "m"(csr));
  }
  return (z ? fl::ZF : 0) | (p ? fl::PF : 0) | (cy ? fl::CF : 0);
}

// cvtsi2sd from a 64-bit integer (may round: RC applies, PE may be raised).
uint64_t host_cvtsi2sd64(int64_t v, uint32_t csr, uint32_t& after) {
  double x;
  uint32_t saved;
  asm volatile(VMSIM_SSE_ENTER "cvtsi2sdq %[v], %[x]" VMSIM_SSE_LEAVE
               : [x] "=x"(x), [saved] "=m"(saved), [after] "=m"(after)
               : [v] "r"(v), [csr] "m"(csr));
  return std::bit_cast<uint64_t>(x);
}

// cvttsd2si: truncation whatever RC says; NaN or out of range gives the
// integer indefinite (the sign bit alone) and raises IE.
template <int S> U<S> host_cvttsd2si(uint64_t a, uint32_t csr, uint32_t& after) {
  const double x = std::bit_cast<double>(a);
  I<S> r;
  uint32_t saved;
  asm volatile(VMSIM_SSE_ENTER "cvttsd2si %[x], %[r]" VMSIM_SSE_LEAVE
               : [r] "=r"(r), [saved] "=m"(saved), [after] "=m"(after)
               : [x] "x"(x), [csr] "m"(csr));
  return static_cast<U<S>>(r);
}

#undef VMSIM_SSE_ENTER
#undef VMSIM_SSE_LEAVE

// --- Handlers ------------------------------------------------------------------
// The source operand: an XMM register's low quadword or an m64 (no alignment
// requirement: exception class Type 3).
template <bool Mem> inline uint64_t src64(Cpu& c, const Insn& d) {
  if constexpr (Mem) return c.load<uint64_t>(ea(c, d));
  else return xmm(c, d.src).lo();
}

// Whether a op b, rounded to 53 bits with an unbounded exponent range, is
// inexact: the PE an unmasked overflow or underflow records, since no result
// rounded into the double range is produced. Mantissas from frexp (exact,
// denormals included) multiply or divide without leaving the normal range;
// for a sum, operands more than 2^60 apart make it inexact outright (the
// smaller is not zero, or nothing would have overflowed), and closer ones
// halve exactly. A sum that underflows is exact: both operands are multiples
// of the smallest denormal.
template <Arith A> bool inexact_unbounded(uint64_t a, uint64_t b, bool overflow) {
  double x = std::bit_cast<double>(a), y = std::bit_cast<double>(b);
  int ex, ey;
  if constexpr (A == Arith::Mul || A == Arith::Div) {
    x = std::frexp(x, &ex);
    y = std::frexp(y, &ey);
  } else {
    if (!overflow) return false;
    std::frexp(x, &ex);
    std::frexp(y, &ey);
    if (ex - ey > 60 || ey - ex > 60) return true;
    x *= 0.5;
    y *= 0.5;
  }
  uint32_t after;
  host_arith<A>(std::bit_cast<uint64_t>(x), std::bit_cast<uint64_t>(y), mx::kMasks, after);
  return after & mx::PE;
}

template <Arith A> [[noreturn, gnu::noinline]] void raise_xm_arith(Cpu& c, uint32_t f, uint64_t a,
                                                                    uint64_t b) {
  const uint32_t u = unmasked(c, f);
  if (!(u & kPreComputation) && (u & (mx::OE | mx::UE))) {
    f &= ~mx::PE;
    if (inexact_unbounded<A>(a, b, f & mx::OE)) f |= mx::PE;
  }
  raise_xm(c, f);
}

// addsd subsd mulsd divsd sqrtsd xmm, xmm/m64: the low quadword; the high one
// is kept.
template <Arith A, bool Mem> void arith_sd(Cpu& c, const Insn& d) {
  const uint64_t b = src64<Mem>(c, d);
  Xmm& x = xmm(c, d.dst);
  uint32_t after;
  const uint64_t r = host_arith<A>(x.lo(), b, host_csr(c.s.mxcsr), after);
  uint32_t f = after & mx::kFlags;
  if constexpr (A != Arith::Sqrt) {
    if (!(c.s.mxcsr & mx::UM) && is_denormal(r)) f |= mx::UE;  // tiny, unmasked
    if (unmasked(c, f)) [[unlikely]] raise_xm_arith<A>(c, f, x.lo(), b);
  }
  commit(c, f);
  x.set<uint64_t>(0, r);
}

template <int P, bool Mem> void cmpsd(Cpu& c, const Insn& d) {
  const uint64_t b = src64<Mem>(c, d);
  Xmm& x = xmm(c, d.dst);
  uint32_t after;
  const uint64_t r = host_cmpsd<P>(x.lo(), b, host_csr(c.s.mxcsr), after);
  commit(c, after & mx::kFlags);
  x.set<uint64_t>(0, r);
}

template <bool Unordered, bool Mem> void comisd(Cpu& c, const Insn& d) {
  const uint64_t b = src64<Mem>(c, d);
  uint32_t after;
  const uint64_t f = host_comisd<Unordered>(xmm(c, d.dst).lo(), b, host_csr(c.s.mxcsr), after);
  commit(c, after & mx::kFlags);
  set_flags(c, fl::kArith, f);
}

// cvtsi2sd xmm, r/m32: every 32-bit integer is exact in a double, so no flag
// can come up and the host's MXCSR is left alone.
template <bool Mem> void cvtsi2sd32(Cpu& c, const Insn& d) {
  const int32_t v = static_cast<int32_t>(Mem ? load<4>(c, ea(c, d)) : get<4>(c, d.src));
  xmm(c, d.dst).set<uint64_t>(0, std::bit_cast<uint64_t>(static_cast<double>(v)));
}
template <bool Mem> void cvtsi2sd64(Cpu& c, const Insn& d) {
  const int64_t v = static_cast<int64_t>(Mem ? load<8>(c, ea(c, d)) : get<8>(c, d.src));
  uint32_t after;
  const uint64_t r = host_cvtsi2sd64(v, host_csr(c.s.mxcsr), after);
  commit(c, after & mx::kFlags);
  xmm(c, d.dst).set<uint64_t>(0, r);
}

template <int S, bool Mem> void cvttsd2si(Cpu& c, const Insn& d) {
  const uint64_t a = src64<Mem>(c, d);
  uint32_t after;
  const U<S> r = host_cvttsd2si<S>(a, host_csr(c.s.mxcsr), after);
  commit(c, after & mx::kFlags);
  set<S>(c, d.dst, r);  // a 32-bit destination is zero-extended
}

// Binds 'xmm, xmm/m64' to H<false> (register) or H<true> (memory).
template <template <bool> class H> bool bind_xmm_sd(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0)) return false;
  d.dst = z.xmm(0);
  if (z.is_xmm(1)) {
    d.src = z.xmm(1);
    d.fn = H<false>::fn;
  } else if (z.is_mem(1)) {
    d.fn = H<true>::fn;
  } else {
    return false;
  }
  return true;
}

template <Arith A> struct ArithH {
  template <bool Mem> struct H {
    static constexpr Handler fn = arith_sd<A, Mem>;
  };
};
template <bool Unordered> struct ComisdH {
  template <bool Mem> struct H {
    static constexpr Handler fn = comisd<Unordered, Mem>;
  };
};
template <int P> struct CmpsdH {
  template <bool Mem> struct H {
    static constexpr Handler fn = cmpsd<P, Mem>;
  };
};

template <int P> bool bind_cmpsd_pred(const DecodeCtx& z, Insn& d) {
  return bind_xmm_sd<CmpsdH<P>::template H>(z, d);
}

}  // namespace

bool bind_sse_arith_sd(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_ADDSD: return bind_xmm_sd<ArithH<Arith::Add>::H>(z, d);
    case ZYDIS_MNEMONIC_SUBSD: return bind_xmm_sd<ArithH<Arith::Sub>::H>(z, d);
    case ZYDIS_MNEMONIC_MULSD: return bind_xmm_sd<ArithH<Arith::Mul>::H>(z, d);
    case ZYDIS_MNEMONIC_DIVSD: return bind_xmm_sd<ArithH<Arith::Div>::H>(z, d);
    case ZYDIS_MNEMONIC_SQRTSD: return bind_xmm_sd<ArithH<Arith::Sqrt>::H>(z, d);
    default: return false;
  }
}

bool bind_sse_comisd(const DecodeCtx& z, Insn& d) {
  if (z.zi.mnemonic == ZYDIS_MNEMONIC_UCOMISD) return bind_xmm_sd<ComisdH<true>::H>(z, d);
  return bind_xmm_sd<ComisdH<false>::H>(z, d);
}

// cmpsd xmm, xmm/m64, imm8. Only imm8[2:0] selects the predicate in the
// legacy encoding; the other bits are ignored.
bool bind_sse_cmpsd(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0) || !z.is_imm(2)) return false;  // the string instruction cmps dword
  switch (d.imm & 7) {
    case 0: return bind_cmpsd_pred<0>(z, d);
    case 1: return bind_cmpsd_pred<1>(z, d);
    case 2: return bind_cmpsd_pred<2>(z, d);
    case 3: return bind_cmpsd_pred<3>(z, d);
    case 4: return bind_cmpsd_pred<4>(z, d);
    case 5: return bind_cmpsd_pred<5>(z, d);
    case 6: return bind_cmpsd_pred<6>(z, d);
    default: return bind_cmpsd_pred<7>(z, d);
  }
}

bool bind_sse_cvtsi2sd(const DecodeCtx& z, Insn& d) {
  if (!z.is_xmm(0)) return false;
  d.dst = z.xmm(0);
  const bool reg = z.is_gpr(1);  // d.src: prefill
  if (!reg && !z.is_mem(1)) return false;
  switch (z.bytes(1)) {
    case 4: d.fn = reg ? cvtsi2sd32<false> : cvtsi2sd32<true>; break;
    case 8: d.fn = reg ? cvtsi2sd64<false> : cvtsi2sd64<true>; break;
    default: return false;
  }
  return true;
}

bool bind_sse_cvttsd2si(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0)) return false;  // d.dst: prefill
  const bool reg = z.is_xmm(1);
  if (reg) d.src = z.xmm(1);
  else if (!z.is_mem(1)) return false;
  switch (z.bytes(0)) {
    case 4: d.fn = reg ? cvttsd2si<4, false> : cvttsd2si<4, true>; break;
    case 8: d.fn = reg ? cvttsd2si<8, false> : cvttsd2si<8, true>; break;
    default: return false;
  }
  return true;
}

}  // namespace vmsim::cpu
