// Bit instructions.
//
// Undefined flags (vmsim's choices, matching QEMU / Unicorn where they are
// consistent; SDM Vol. 2A/2B, each instruction's "Flags Affected"):
// - bt/bts/btr/btc: OF, SF, AF and PF are undefined; vmsim leaves them (and
//   ZF, which the SDM says is unaffected) unchanged and sets only CF.
//   QEMU's values depend on its lazy flag state (after an add, logic op,
//   shift... it recomputes OF and AF from the bit test), so they cannot be
//   matched in general; it preserves them otherwise, as vmsim does.
// - bsf/bsr: CF, OF, SF, AF and PF are undefined; vmsim sets them as a
//   logical operation on the SOURCE would (CF = OF = AF = 0, SF and PF from
//   the source), as QEMU does. With a zero source ZF = 1 and the destination
//   is not changed (as Intel now documents and AMD always has), except that
//   a 32-bit destination is still zero-extended to 64 bits: QEMU and Unicorn
//   do that, and Intel CPUs may too (LLVM PR #123623: the upper half is not
//   reliably preserved).
// - tzcnt/lzcnt: OF, SF, PF and AF are undefined; vmsim clears them (SF is
//   the MSB of the count, always 0), as QEMU does.
// - andn/bextr: AF and PF (and for bextr SF) are undefined; vmsim clears AF
//   and sets SF and PF from the result, as QEMU does.
// - blsi/blsmsk/blsr: AF and PF are undefined; vmsim clears both, as QEMU
//   does.
// Where Unicorn 2.0.1 is wrong, vmsim follows the SDM and the difftest
// reconciles (tests/diff/lockstep.cpp): BLSI's CF, and BEXTR with START = 0
// and LEN >= the operand size. Unicorn also rejects POPCNT, runs LOCK BT,
// and aborts on LOCK with a register destination; vmsim's behaviour there
// is checked by unit tests.
#include "cpu/insn_bits.h"

#include <bit>

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

// --- bt, bts, btr, btc ------------------------------------------------------
// CF = the selected bit; the operation then sets, clears or complements it.
struct Bt {
  static constexpr bool kWrites = false;
  template <int S> static U<S> f(U<S> v, U<S>) { return v; }
};
struct Bts {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(U<S> v, U<S> m) { return v | m; }
};
struct Btr {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(U<S> v, U<S> m) { return static_cast<U<S>>(v & ~m); }
};
struct Btc {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(U<S> v, U<S> m) { return v ^ m; }
};

// Effective address of the memory operand moved by 'extra' bytes before
// the truncation to the address size, as for any displacement.
inline uint64_t ea_plus(const Cpu& c, const Insn& d, int64_t extra) {
  uint64_t a = static_cast<uint64_t>(d.disp + extra) + c.s.r[d.base] + (c.s.r[d.index] << d.scale);
  a = (a << d.ashift) >> d.ashift;
  return a + c.s.seg_base[d.seg];
}

template <class Op, int S> struct BitTest {
  static constexpr unsigned kShift = S == 1 ? 3 : S == 2 ? 4 : S == 4 ? 5 : 6;  // log2 of bits
  static U<S> apply(Cpu& c, U<S> v, unsigned bit) {
    set_flags(c, fl::CF, (v >> bit) & 1);
    return Op::template f<S>(v, static_cast<U<S>>(U<S>(1) << bit));
  }
  static void reg(Cpu& c, const Insn& d, unsigned bit) {
    const U<S> r = apply(c, get<S>(c, d.dst), bit);
    if constexpr (Op::kWrites) set<S>(c, d.dst, r);
  }
  static void mem(Cpu& c, uint64_t la, unsigned bit) {
    if constexpr (Op::kWrites) {
      c.rmw<U<S>>(la, [&](U<S> v) { return apply(c, v, bit); });
    } else {
      apply(c, load<S>(c, la), bit);
    }
  }
  // Register bit base: the offset is taken modulo the operand size.
  static void rr(Cpu& c, const Insn& d) { reg(c, d, get<S>(c, d.src) & (kBits<S> - 1)); }
  static void ri(Cpu& c, const Insn& d) { reg(c, d, d.aux); }
  static void mi(Cpu& c, const Insn& d) { mem(c, ea(c, d), d.aux); }
  // Memory bit base with a register offset: the offset is a signed bit
  // index from the operand's address, so it can reach memory outside the
  // operand (SDM Vol. 2A, BT: "Bit(BitBase, BitOffset)"). The operand-sized
  // unit that holds the bit is accessed, as hardware and QEMU do.
  static void mr(Cpu& c, const Insn& d) {
    const int64_t off = static_cast<I<S>>(get<S>(c, d.src));
    const int64_t unit = (off >> kShift) * S;  // arithmetic shift: floor division
    mem(c, ea_plus(c, d, unit), static_cast<unsigned>(off) & (kBits<S> - 1));
  }
};

template <class Op, int S> Handler bit_test_form(const DecodeCtx& z, Insn& d) {
  using B = BitTest<Op, S>;
  if (z.is_imm(1)) {
    d.aux = static_cast<uint8_t>(d.imm & (kBits<S> - 1));  // SDM: imm8 taken modulo the size
    if (z.is_gpr(0)) return B::ri;
    if (z.is_mem(0)) return B::mi;
  } else if (z.is_gpr(1)) {
    if (z.is_gpr(0)) return B::rr;
    if (z.is_mem(0)) return B::mr;
  }
  return nullptr;
}

template <class Op> bool bind_bit_test(const DecodeCtx& z, Insn& d) {
  switch (z.bytes(0)) {
    case 2: d.fn = bit_test_form<Op, 2>(z, d); break;
    case 4: d.fn = bit_test_form<Op, 4>(z, d); break;
    case 8: d.fn = bit_test_form<Op, 8>(z, d); break;
    default: return false;
  }
  return d.fn != nullptr;
}

// --- bsf, bsr, tzcnt, lzcnt, popcnt: dst = f(src), src a register or memory
// Each returns the new destination given the old one and sets the flags.
struct Bsf {
  template <int S> static U<S> f(Cpu& c, U<S> old, U<S> src) {
    set_flags(c, fl::kArith, szp<S>(src));  // ZF = (src == 0); see "Undefined flags"
    return src ? static_cast<U<S>>(std::countr_zero(src)) : old;
  }
};
struct Bsr {
  template <int S> static U<S> f(Cpu& c, U<S> old, U<S> src) {
    set_flags(c, fl::kArith, szp<S>(src));
    return src ? static_cast<U<S>>(kBits<S> - 1 - std::countl_zero(src)) : old;
  }
};
// SDM Vol. 2B, TZCNT/LZCNT: CF = (src == 0), ZF = (result == 0); the count
// of a zero source is the operand size.
struct Tzcnt {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    const U<S> r = static_cast<U<S>>(std::countr_zero(src));
    set_flags(c, fl::kArith, (src == 0 ? fl::CF : 0) | (r == 0 ? fl::ZF : 0));
    return r;
  }
};
struct Lzcnt {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    const U<S> r = static_cast<U<S>>(std::countl_zero(src));
    set_flags(c, fl::kArith, (src == 0 ? fl::CF : 0) | (r == 0 ? fl::ZF : 0));
    return r;
  }
};
// SDM Vol. 2B, POPCNT: every arithmetic flag cleared but ZF = (src == 0).
struct Popcnt {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    set_flags(c, fl::kArith, src == 0 ? fl::ZF : 0);
    return static_cast<U<S>>(std::popcount(src));
  }
};

template <class Op, int S> struct Scan {
  static void rr(Cpu& c, const Insn& d) {
    set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.dst), get<S>(c, d.src)));
  }
  static void rm(Cpu& c, const Insn& d) {
    const U<S> src = load<S>(c, ea(c, d));
    set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.dst), src));
  }
};

template <class Op> bool bind_scan(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0) || !(z.is_gpr(1) || z.is_mem(1))) return false;
  const bool reg = z.is_gpr(1);
  switch (z.bytes(0)) {
    case 2: d.fn = reg ? Scan<Op, 2>::rr : Scan<Op, 2>::rm; break;
    case 4: d.fn = reg ? Scan<Op, 4>::rr : Scan<Op, 4>::rm; break;
    case 8: d.fn = reg ? Scan<Op, 8>::rr : Scan<Op, 8>::rm; break;
    default: return false;
  }
  return true;
}

// --- BMI1 (32- and 64-bit operands only) -------------------------------------
// SF and ZF of a result (PF and AF stay clear).
template <int S> inline uint64_t sz(U<S> r) {
  return (r == 0 ? fl::ZF : 0) | ((r & kSignBit<S>) ? fl::SF : 0);
}
// Each takes 'a', the VEX.vvvv register (andn, bextr; 0 for the others), and
// 'b', the ModRM r/m operand.
// SDM Vol. 2A, ANDN: dst = ~vvvv & r/m; SF ZF from the result, CF = OF = 0.
struct Andn {
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return logic_flags<S>(c, static_cast<U<S>>(~a & b)); }
};
// SDM Vol. 2A, BEXTR: start = vvvv[7:0], length = vvvv[15:8]; bits of r/m
// beyond the operand read as zero; ZF from the result, CF = OF = 0.
struct Bextr {
  template <int S> static U<S> f(Cpu& c, U<S> ctl, U<S> src) {
    const unsigned start = ctl & 0xFF, len = (ctl >> 8) & 0xFF;
    U<S> r = start < kBits<S> ? static_cast<U<S>>(src >> start) : 0;
    if (len < kBits<S>) r &= static_cast<U<S>>((U<S>(1) << len) - 1);
    return logic_flags<S>(c, r);
  }
};
// SDM Vol. 2A, BLSI: dst = src & -src; SF ZF from the result, CF = (src != 0),
// OF = 0.
struct Blsi {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    const U<S> r = src & static_cast<U<S>>(-src);
    set_flags(c, fl::kArith, sz<S>(r) | (src != 0 ? fl::CF : 0));
    return r;
  }
};
// SDM Vol. 2A, BLSMSK: dst = src ^ (src - 1); SF from the result,
// CF = (src == 0), ZF = OF = 0.
struct Blsmsk {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    const U<S> r = src ^ static_cast<U<S>>(src - 1);
    set_flags(c, fl::kArith, sz<S>(r) | (src == 0 ? fl::CF : 0));  // r != 0: ZF = 0
    return r;
  }
};
// SDM Vol. 2A, BLSR: dst = src & (src - 1); SF ZF from the result,
// CF = (src == 0), OF = 0.
struct Blsr {
  template <int S> static U<S> f(Cpu& c, U<S>, U<S> src) {
    const U<S> r = src & static_cast<U<S>>(src - 1);
    set_flags(c, fl::kArith, sz<S>(r) | (src == 0 ? fl::CF : 0));
    return r;
  }
};

// dst = Op(a, b) with a the register at Insn::aux (kZero's slot reads 0 for
// the one-source forms) and b the r/m operand, at Insn::src or in memory.
template <class Op, int S> struct Vex {
  static void rr(Cpu& c, const Insn& d) {
    set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.aux), get<S>(c, d.src)));
  }
  static void rm(Cpu& c, const Insn& d) {
    const U<S> b = load<S>(c, ea(c, d));
    set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.aux), b));
  }
};

// Zydis' operand order (checked against its decode of each form):
//   andn   dst, vvvv, r/m      (operands 0, 1, 2)
//   bextr  dst, r/m, vvvv      (operands 0, 1, 2)
//   blsi/blsmsk/blsr vvvv, r/m (operand 0 is the VEX.vvvv destination)
// 'vvvv' and 'rm' are the operand numbers of the VEX.vvvv source (-1: none)
// and of the r/m operand.
template <class Op> bool bind_vex(const DecodeCtx& z, Insn& d, int vvvv, int rm) {
  if (!z.is_gpr(0) || (vvvv >= 0 && !z.is_gpr(vvvv))) return false;
  d.aux = vvvv >= 0 ? z.gpr(vvvv) : static_cast<uint8_t>(kZero * 8);
  const bool reg = z.is_gpr(rm);
  if (reg) d.src = z.gpr(rm);
  else if (!z.is_mem(rm)) return false;
  switch (z.bytes(0)) {
    case 4: d.fn = reg ? Vex<Op, 4>::rr : Vex<Op, 4>::rm; break;
    case 8: d.fn = reg ? Vex<Op, 8>::rr : Vex<Op, 8>::rm; break;
    default: return false;
  }
  return true;
}

}  // namespace

bool bind_bt(const DecodeCtx& z, Insn& d) { return bind_bit_test<Bt>(z, d); }
bool bind_bts(const DecodeCtx& z, Insn& d) { return bind_bit_test<Bts>(z, d); }
bool bind_btr(const DecodeCtx& z, Insn& d) { return bind_bit_test<Btr>(z, d); }
bool bind_btc(const DecodeCtx& z, Insn& d) { return bind_bit_test<Btc>(z, d); }
bool bind_bsf(const DecodeCtx& z, Insn& d) { return bind_scan<Bsf>(z, d); }
bool bind_bsr(const DecodeCtx& z, Insn& d) { return bind_scan<Bsr>(z, d); }
bool bind_tzcnt(const DecodeCtx& z, Insn& d) { return bind_scan<Tzcnt>(z, d); }
bool bind_lzcnt(const DecodeCtx& z, Insn& d) { return bind_scan<Lzcnt>(z, d); }
bool bind_popcnt(const DecodeCtx& z, Insn& d) { return bind_scan<Popcnt>(z, d); }
bool bind_andn(const DecodeCtx& z, Insn& d) { return bind_vex<Andn>(z, d, 1, 2); }
bool bind_bextr(const DecodeCtx& z, Insn& d) { return bind_vex<Bextr>(z, d, 2, 1); }
bool bind_blsi(const DecodeCtx& z, Insn& d) { return bind_vex<Blsi>(z, d, -1, 1); }
bool bind_blsmsk(const DecodeCtx& z, Insn& d) { return bind_vex<Blsmsk>(z, d, -1, 1); }
bool bind_blsr(const DecodeCtx& z, Insn& d) { return bind_vex<Blsr>(z, d, -1, 1); }

}  // namespace vmsim::cpu
