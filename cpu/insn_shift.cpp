// Shifts and rotates.
//
// Common rules (SDM Vol. 2B, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD):
// the count is masked to 5 bits (6 for 64-bit operands). A masked count of 0
// changes no flag, but the destination is still written: a 32-bit register
// destination is zero-extended to 64 bits (as QEMU and Unicorn do; the
// difftest checks it), and a memory destination is read and written back.
// Shifts set CF OF SF ZF PF; rotates change only CF and OF (rotates with a
// masked count that is a nonzero multiple of the size still set them:
// SDM, ROL: "IF (COUNT & COUNTMASK) != 0 THEN CF := LSB(DEST)").
//
// Undefined flags (vmsim's choices, all matching QEMU / Unicorn):
// - AF after shl/shr/sar/shld/shrd with a nonzero count: cleared.
// - OF after shifts with counts other than 1: MSB(result) XOR MSB(the value
//   shifted by count - 1), which for count 1 is the SDM's definition. So shl
//   gives MSB(result) XOR CF, shr and sar give 0 for counts above 1.
// - CF after shl/shr with a count of at least the operand size (only 8- and
//   16-bit operands; the count is masked): the last bit shifted out, as if
//   the operand were wider: 0, except for a count of exactly the size (shl:
//   the old bit 0; shr: the old MSB). sar gives the sign, as it defines.
// - OF after rol/ror/rcl/rcr with counts other than 1: the count-1 formula
//   applied to the result (rol: MSB XOR CF; ror: MSB XOR MSB-1; rcl/rcr:
//   MSB(result) XOR MSB(source)). A rcl/rcr whose count is 0 modulo 9 or 17
//   (8- and 16-bit) changes no flag; a rol/ror whose masked count is a
//   nonzero multiple of the size sets CF and OF from the unchanged value.
// - shld/shrd with a 16-bit operand and a count of 17..31 (result and flags
//   undefined): the 48-bit value dst:src:dst is shifted, shld keeping its
//   top 16 bits and shrd its low 16 bits. QEMU (and so Unicorn) implements
//   this as Intel's behaviour; CF and OF follow the rules above.
#include "cpu/insn_shift.h"

#include <bit>

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

template <int S> inline constexpr unsigned kCountMask = S == 8 ? 63 : 31;
template <int S> inline uint64_t msb(uint64_t v) { return (v >> (kBits<S> - 1)) & 1; }
// CF, OF and SF ZF PF of a shift result; AF is cleared.
template <int S> inline void shift_flags(Cpu& c, U<S> r, uint64_t cf, uint64_t of) {
  set_flags(c, fl::kArith, (cf ? fl::CF : 0) | (of ? fl::OF : 0) | szp<S>(r));
}
template <int S> inline void rotate_flags(Cpu& c, uint64_t cf, uint64_t of) {
  set_flags(c, fl::CF | fl::OF, (cf ? fl::CF : 0) | (of ? fl::OF : 0));
}

// Each operation takes the masked count n; a count of 0 returns v unchanged
// with the flags untouched. 't' is the value shifted by n - 1: its edge bit
// is the last bit shifted out (CF). Work is done in 64 bits, where n - 1 and
// n stay below 64.
struct Shl {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    if (n == 0) return v;
    const uint64_t t = static_cast<uint64_t>(v) << (n - 1);
    const U<S> r = static_cast<U<S>>(t << 1);
    shift_flags<S>(c, r, msb<S>(t), msb<S>(t ^ r));
    return r;
  }
};
struct Shr {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    if (n == 0) return v;
    const uint64_t t = static_cast<uint64_t>(v) >> (n - 1);
    const U<S> r = static_cast<U<S>>(t >> 1);
    shift_flags<S>(c, r, t & 1, msb<S>(t ^ r));
    return r;
  }
};
struct Sar {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    if (n == 0) return v;
    const int64_t t = static_cast<int64_t>(static_cast<I<S>>(v)) >> (n - 1);
    const U<S> r = static_cast<U<S>>(t >> 1);
    shift_flags<S>(c, r, t & 1, msb<S>(static_cast<uint64_t>(t) ^ r));
    return r;
  }
};
struct Rol {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    if (n == 0) return v;
    const U<S> r = std::rotl(v, static_cast<int>(n & (kBits<S> - 1)));
    rotate_flags<S>(c, r & 1, msb<S>(r) ^ (r & 1));  // CF = LSB, OF = MSB ^ CF
    return r;
  }
};
struct Ror {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    if (n == 0) return v;
    const U<S> r = std::rotr(v, static_cast<int>(n & (kBits<S> - 1)));
    rotate_flags<S>(c, msb<S>(r), msb<S>(r ^ (r << 1)));  // CF = MSB, OF = MSB ^ MSB-1
    return r;
  }
};
// rcl/rcr rotate the S*8+1 bit value CF:operand. 8- and 16-bit operands use
// the masked count modulo 9 or 17 (SDM Vol. 2B, RCL: tempCOUNT).
template <int S> inline unsigned rc_count(unsigned n) {
  if constexpr (S == 1) return n % 9;
  else if constexpr (S == 2) return n % 17;
  else return n;
}
struct Rcl {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    n = rc_count<S>(n);
    if (n == 0) return v;
    const uint64_t w = v;
    uint64_t r = (w << n) | (static_cast<uint64_t>(cf(c)) << (n - 1));
    if (n > 1) r |= w >> (kBits<S> + 1 - n);
    const U<S> res = static_cast<U<S>>(r);
    rotate_flags<S>(c, (w >> (kBits<S> - n)) & 1, msb<S>(w ^ res));
    return res;
  }
};
struct Rcr {
  template <int S> static U<S> f(Cpu& c, U<S> v, unsigned n) {
    n = rc_count<S>(n);
    if (n == 0) return v;
    const uint64_t w = v;
    uint64_t r = (w >> n) | (static_cast<uint64_t>(cf(c)) << (kBits<S> - n));
    if (n > 1) r |= w << (kBits<S> + 1 - n);
    const U<S> res = static_cast<U<S>>(r);
    rotate_flags<S>(c, (w >> (n - 1)) & 1, msb<S>(w ^ res));
    return res;
  }
};

// Where the count comes from: the immediate, masked at decode time into
// Insn::aux, or CL.
struct CountImm {
  template <int S> static unsigned get(const Cpu&, const Insn& d) { return d.aux; }
};
struct CountCl {
  template <int S> static unsigned get(const Cpu& c, const Insn& d) {
    (void)d;
    return static_cast<unsigned>(c.s.r[RCX]) & kCountMask<S>;
  }
};

template <class Op, int S, class Count> struct Shift {
  static void r(Cpu& c, const Insn& d) {
    set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.dst), Count::template get<S>(c, d)));
  }
  static void m(Cpu& c, const Insn& d) {
    const unsigned n = Count::template get<S>(c, d);
    c.rmw<U<S>>(ea(c, d), [&](U<S> v) { return Op::template f<S>(c, v, n); });
  }
};

template <class Op, int S> Handler shift_form(const DecodeCtx& z, Insn& d) {
  const bool reg = z.is_gpr(0);
  if (!reg && !z.is_mem(0)) return nullptr;
  if (z.is_imm(1)) {
    d.aux = static_cast<uint8_t>(d.imm & kCountMask<S>);
    return reg ? Shift<Op, S, CountImm>::r : Shift<Op, S, CountImm>::m;
  }
  if (z.is_gpr(1)) return reg ? Shift<Op, S, CountCl>::r : Shift<Op, S, CountCl>::m;
  return nullptr;
}

template <class Op> bool bind_shift(const DecodeCtx& z, Insn& d) {
  switch (z.bytes(0)) {
    case 1: d.fn = shift_form<Op, 1>(z, d); break;
    case 2: d.fn = shift_form<Op, 2>(z, d); break;
    case 4: d.fn = shift_form<Op, 4>(z, d); break;
    case 8: d.fn = shift_form<Op, 8>(z, d); break;
    default: return false;
  }
  return d.fn != nullptr;
}

// shld dst, src, n: dst:src shifted left, the upper half kept. shrd dst,
// src, n: src:dst shifted right, the lower half kept. 16- and 32-bit
// operands are shifted as one 64-bit value (16-bit: dst:src:dst, which
// gives Intel's result for counts above 16); 64-bit operands in two halves.
struct Shld {
  template <int S> static U<S> f(Cpu& c, U<S> dst, U<S> src, unsigned n) {
    if (n == 0) return dst;
    uint64_t t, r;
    if constexpr (S == 8) {
      t = dst << (n - 1);
      r = (dst << n) | (src >> (64 - n));
    } else {
      const uint64_t v = S == 4 ? (static_cast<uint64_t>(dst) << 32) | src
                                : (static_cast<uint64_t>(dst) << 32) |
                                      (static_cast<uint64_t>(src) << 16) | dst;
      t = (v << (n - 1)) >> 32;
      r = (v << n) >> 32;
    }
    const U<S> res = static_cast<U<S>>(r);
    shift_flags<S>(c, res, msb<S>(t), msb<S>(t ^ res));
    return res;
  }
};
struct Shrd {
  template <int S> static U<S> f(Cpu& c, U<S> dst, U<S> src, unsigned n) {
    if (n == 0) return dst;
    uint64_t t, r;
    if constexpr (S == 8) {
      t = dst >> (n - 1);
      r = (dst >> n) | (src << (64 - n));
    } else if constexpr (S == 4) {
      const uint64_t v = (static_cast<uint64_t>(src) << 32) | dst;
      t = v >> (n - 1);
      r = t >> 1;
    } else {
      const uint64_t v = (static_cast<uint64_t>(dst) << 32) | (static_cast<uint64_t>(src) << 16) | dst;
      t = v >> (n - 1);
      r = t >> 1;
    }
    const U<S> res = static_cast<U<S>>(r);
    shift_flags<S>(c, res, t & 1, msb<S>(t ^ res));
    return res;
  }
};

template <class Op, int S, class Count> struct DoubleShift {
  static void r(Cpu& c, const Insn& d) {
    set<S>(c, d.dst,
           Op::template f<S>(c, get<S>(c, d.dst), get<S>(c, d.src), Count::template get<S>(c, d)));
  }
  static void m(Cpu& c, const Insn& d) {
    const unsigned n = Count::template get<S>(c, d);
    const U<S> src = get<S>(c, d.src);
    c.rmw<U<S>>(ea(c, d), [&](U<S> v) { return Op::template f<S>(c, v, src, n); });
  }
};

template <class Op, int S> Handler double_shift_form(const DecodeCtx& z, Insn& d) {
  const bool reg = z.is_gpr(0);
  if ((!reg && !z.is_mem(0)) || !z.is_gpr(1)) return nullptr;
  if (z.is_imm(2)) {
    d.aux = static_cast<uint8_t>(d.imm & kCountMask<S>);
    return reg ? DoubleShift<Op, S, CountImm>::r : DoubleShift<Op, S, CountImm>::m;
  }
  if (z.is_gpr(2)) return reg ? DoubleShift<Op, S, CountCl>::r : DoubleShift<Op, S, CountCl>::m;
  return nullptr;
}

template <class Op> bool bind_double_shift(const DecodeCtx& z, Insn& d) {
  switch (z.bytes(0)) {
    case 2: d.fn = double_shift_form<Op, 2>(z, d); break;
    case 4: d.fn = double_shift_form<Op, 4>(z, d); break;
    case 8: d.fn = double_shift_form<Op, 8>(z, d); break;
    default: return false;
  }
  return d.fn != nullptr;
}

}  // namespace

bool bind_shl(const DecodeCtx& z, Insn& d) { return bind_shift<Shl>(z, d); }
bool bind_shr(const DecodeCtx& z, Insn& d) { return bind_shift<Shr>(z, d); }
bool bind_sar(const DecodeCtx& z, Insn& d) { return bind_shift<Sar>(z, d); }
bool bind_rol(const DecodeCtx& z, Insn& d) { return bind_shift<Rol>(z, d); }
bool bind_ror(const DecodeCtx& z, Insn& d) { return bind_shift<Ror>(z, d); }
bool bind_rcl(const DecodeCtx& z, Insn& d) { return bind_shift<Rcl>(z, d); }
bool bind_rcr(const DecodeCtx& z, Insn& d) { return bind_shift<Rcr>(z, d); }
bool bind_shld(const DecodeCtx& z, Insn& d) { return bind_double_shift<Shld>(z, d); }
bool bind_shrd(const DecodeCtx& z, Insn& d) { return bind_double_shift<Shrd>(z, d); }

}  // namespace vmsim::cpu
