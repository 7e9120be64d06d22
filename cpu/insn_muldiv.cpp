// Multiplication, division and accumulator sign extension.
//
// Undefined flags:
// - mul/imul (SDM Vol. 2A, MUL/IMUL: "SF, ZF, AF, and PF flags are
//   undefined"): SF, ZF and PF are set from the low half of the result
//   (the operand-sized destination; AL for the 8-bit forms, whose result is
//   AX) and AF is cleared, as QEMU and Unicorn do.
// - div/idiv (SDM: "CF, OF, SF, ZF, AF, and PF flags are undefined"): every
//   flag is left unchanged, as QEMU and Unicorn do.
#include "cpu/insn_muldiv.h"

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

constexpr uint8_t kAx = off_of(RAX);
constexpr uint8_t kDx = off_of(RDX);

// Twice the operand size, for products and dividends.
template <int S> struct Wide;
template <> struct Wide<1> { using u = uint16_t; using s = int16_t; };
template <> struct Wide<2> { using u = uint32_t; using s = int32_t; };
template <> struct Wide<4> { using u = uint64_t; using s = int64_t; };
template <> struct Wide<8> { using u = unsigned __int128; using s = __int128; };
template <int S> using WU = typename Wide<S>::u;
template <int S> using WS = typename Wide<S>::s;

// CF = OF = the product does not fit the destination; SF ZF PF from the
// low half, AF clear (see "Undefined flags" above).
template <int S> inline void mul_flags(Cpu& c, U<S> lo, bool overflow) {
  set_flags(c, fl::kArith, (overflow ? fl::CF | fl::OF : 0) | szp<S>(lo));
}

// The product of the accumulator and 'src' goes to AX (8-bit) or rDX:rAX.
template <int S> inline void put_product(Cpu& c, WU<S> p) {
  if constexpr (S == 1) {
    set<2>(c, kAx, p);
  } else {
    set<S>(c, kAx, static_cast<U<S>>(p));
    set<S>(c, kDx, static_cast<U<S>>(p >> kBits<S>));
  }
}

// One-operand mul: unsigned accumulator * src. SDM Vol. 2A, MUL: CF = OF =
// upper half != 0.
struct Mul {
  template <int S> static void f(Cpu& c, U<S> src) {
    const WU<S> p = static_cast<WU<S>>(static_cast<WU<S>>(get<S>(c, kAx)) * src);
    put_product<S>(c, p);
    mul_flags<S>(c, static_cast<U<S>>(p), (p >> kBits<S>) != 0);
  }
};

// Signed a * b: low half, and whether it lost significant bits (SDM Vol.
// 2A, IMUL: CF = OF = the sign-extended low half differs from the product).
template <int S> inline WS<S> signed_product(U<S> a, U<S> b) {
  return static_cast<WS<S>>(static_cast<WS<S>>(static_cast<I<S>>(a)) * static_cast<I<S>>(b));
}
template <int S> inline bool truncated(WS<S> p) {
  return p != static_cast<WS<S>>(static_cast<I<S>>(static_cast<U<S>>(p)));
}

struct Imul1 {
  template <int S> static void f(Cpu& c, U<S> src) {
    const WS<S> p = signed_product<S>(get<S>(c, kAx), src);
    put_product<S>(c, static_cast<WU<S>>(p));
    mul_flags<S>(c, static_cast<U<S>>(p), truncated<S>(p));
  }
};

// Division. SDM Vol. 2A, DIV/IDIV: #DE when the divisor is 0 or the
// quotient does not fit the destination; checked before anything changes.
template <int S> inline void put_quotient(Cpu& c, U<S> q, U<S> r) {
  if constexpr (S == 1) {
    set<2>(c, kAx, static_cast<uint16_t>(q | (r << 8)));  // AL = quotient, AH = remainder
  } else {
    set<S>(c, kAx, q);
    set<S>(c, kDx, r);
  }
}

template <int S> inline WU<S> dividend(const Cpu& c) {
  if constexpr (S == 1) return get<2>(c, kAx);
  else return (static_cast<WU<S>>(get<S>(c, kDx)) << kBits<S>) | get<S>(c, kAx);
}

struct Div {
  template <int S> static void f(Cpu& c, U<S> den) {
    if (den == 0) raise(kDE);
    if constexpr (S == 8) {
      const uint64_t hi = c.s.r[RDX], lo = c.s.r[RAX];
      if (hi >= den) raise(kDE);  // the quotient would need more than 64 bits
      if (hi == 0) {
        put_quotient<8>(c, lo / den, lo % den);
      } else {
        const unsigned __int128 n = dividend<8>(c);
        put_quotient<8>(c, static_cast<uint64_t>(n / den), static_cast<uint64_t>(n % den));
      }
    } else {
      const WU<S> n = dividend<S>(c);
      const WU<S> q = static_cast<WU<S>>(n / den);
      if (q >> kBits<S>) raise(kDE);
      put_quotient<S>(c, static_cast<U<S>>(q), static_cast<U<S>>(n % den));
    }
  }
};

struct Idiv {
  template <int S> static void f(Cpu& c, U<S> den_u) {
    const I<S> den = static_cast<I<S>>(den_u);
    if (den == 0) raise(kDE);
    if constexpr (S == 8) {
      const uint64_t hi = c.s.r[RDX], lo = c.s.r[RAX];
      if (hi == static_cast<uint64_t>(static_cast<int64_t>(lo) >> 63)) {
        // The dividend fits in 64 bits: only INT64_MIN / -1 overflows.
        const int64_t n = static_cast<int64_t>(lo);
        if (n == INT64_MIN && den == -1) raise(kDE);
        put_quotient<8>(c, static_cast<uint64_t>(n / den), static_cast<uint64_t>(n % den));
      } else {
        const __int128 n = static_cast<__int128>(dividend<8>(c));
        // INT128_MIN / -1 would trap on the host; its quotient overflows anyway.
        if (den == -1 && hi == (1ull << 63) && lo == 0) raise(kDE);
        const __int128 q = n / den;
        if (q != static_cast<int64_t>(q)) raise(kDE);
        put_quotient<8>(c, static_cast<uint64_t>(q), static_cast<uint64_t>(n % den));
      }
    } else {
      // The sign-extended dividend in 64 bits; the quotient is checked there.
      const int64_t n = static_cast<WS<S>>(dividend<S>(c));
      if (S == 4 && n == INT64_MIN && den == -1) raise(kDE);  // (and not UB on the host)
      const int64_t q = n / den;
      if (q != static_cast<I<S>>(q)) raise(kDE);
      put_quotient<S>(c, static_cast<U<S>>(q), static_cast<U<S>>(n % den));
    }
  }
};

// One-operand forms: the explicit operand is a register or memory.
template <class Op, int S> struct Accumulator {
  static void r(Cpu& c, const Insn& d) { Op::template f<S>(c, get<S>(c, d.dst)); }
  static void m(Cpu& c, const Insn& d) { Op::template f<S>(c, load<S>(c, ea(c, d))); }
};

template <class Op> bool bind_accumulator(const DecodeCtx& z, Insn& d) {
  const bool reg = z.is_gpr(0);
  if (!reg && !z.is_mem(0)) return false;
  switch (z.bytes(0)) {
    case 1: d.fn = reg ? Accumulator<Op, 1>::r : Accumulator<Op, 1>::m; break;
    case 2: d.fn = reg ? Accumulator<Op, 2>::r : Accumulator<Op, 2>::m; break;
    case 4: d.fn = reg ? Accumulator<Op, 4>::r : Accumulator<Op, 4>::m; break;
    case 8: d.fn = reg ? Accumulator<Op, 8>::r : Accumulator<Op, 8>::m; break;
    default: return false;
  }
  return true;
}

// imul r, r/m (two operands) and imul r, r/m, imm (three operands): the
// product is truncated to the destination size.
template <int S> struct Imul {
  static U<S> f(Cpu& c, U<S> a, U<S> b) {
    const WS<S> p = signed_product<S>(a, b);
    mul_flags<S>(c, static_cast<U<S>>(p), truncated<S>(p));
    return static_cast<U<S>>(p);
  }
  static void rr(Cpu& c, const Insn& d) { set<S>(c, d.dst, f(c, get<S>(c, d.dst), get<S>(c, d.src))); }
  static void rm(Cpu& c, const Insn& d) { set<S>(c, d.dst, f(c, get<S>(c, d.dst), load<S>(c, ea(c, d)))); }
  static void rri(Cpu& c, const Insn& d) {
    set<S>(c, d.dst, f(c, get<S>(c, d.src), static_cast<U<S>>(d.imm)));
  }
  static void rmi(Cpu& c, const Insn& d) {
    set<S>(c, d.dst, f(c, load<S>(c, ea(c, d)), static_cast<U<S>>(d.imm)));
  }
};

template <int S> Handler imul_form(const DecodeCtx& z) {
  if (!z.is_gpr(0)) return nullptr;
  if (z.nvis() == 2) {
    if (z.is_gpr(1)) return Imul<S>::rr;
    if (z.is_mem(1)) return Imul<S>::rm;
  } else if (z.nvis() == 3 && z.is_imm(2)) {
    if (z.is_gpr(1)) return Imul<S>::rri;
    if (z.is_mem(1)) return Imul<S>::rmi;
  }
  return nullptr;
}

// cbw/cwde/cdqe: rAX = sign extension of its lower half.
template <int S> void sign_extend_acc(Cpu& c, const Insn&) {
  using H = I<S / 2>;
  set<S>(c, kAx, static_cast<U<S>>(static_cast<I<S>>(static_cast<H>(get<S / 2>(c, kAx)))));
}
// cwd/cdq/cqo: rDX = copies of rAX's sign bit.
template <int S> void sign_fill_dx(Cpu& c, const Insn&) {
  set<S>(c, kDx, static_cast<U<S>>(static_cast<I<S>>(get<S>(c, kAx)) >> (kBits<S> - 1)));
}

}  // namespace

bool bind_mul(const DecodeCtx& z, Insn& d) { return bind_accumulator<Mul>(z, d); }
bool bind_div(const DecodeCtx& z, Insn& d) { return bind_accumulator<Div>(z, d); }
bool bind_idiv(const DecodeCtx& z, Insn& d) { return bind_accumulator<Idiv>(z, d); }

bool bind_imul(const DecodeCtx& z, Insn& d) {
  if (z.nvis() == 1) return bind_accumulator<Imul1>(z, d);
  switch (z.bytes(0)) {
    case 2: d.fn = imul_form<2>(z); break;
    case 4: d.fn = imul_form<4>(z); break;
    case 8: d.fn = imul_form<8>(z); break;
    default: return false;
  }
  return d.fn != nullptr;
}

bool bind_convert(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_CBW: d.fn = sign_extend_acc<2>; break;
    case ZYDIS_MNEMONIC_CWDE: d.fn = sign_extend_acc<4>; break;
    case ZYDIS_MNEMONIC_CDQE: d.fn = sign_extend_acc<8>; break;
    case ZYDIS_MNEMONIC_CWD: d.fn = sign_fill_dx<2>; break;
    case ZYDIS_MNEMONIC_CDQ: d.fn = sign_fill_dx<4>; break;
    case ZYDIS_MNEMONIC_CQO: d.fn = sign_fill_dx<8>; break;
    default: return false;
  }
  return true;
}

}  // namespace vmsim::cpu
