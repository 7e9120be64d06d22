#include "cpu/insn_move.h"

#include "cpu/exec.h"
#include "cpu/insn_system.h"

namespace vmsim::cpu {

namespace {

template <int S> struct Mov {
  static void rr(Cpu& c, const Insn& d) { set<S>(c, d.dst, get<S>(c, d.src)); }
  static void rm(Cpu& c, const Insn& d) { set<S>(c, d.dst, load<S>(c, ea(c, d))); }
  static void mr(Cpu& c, const Insn& d) { store<S>(c, ea(c, d), get<S>(c, d.src)); }
  static void ri(Cpu& c, const Insn& d) { set<S>(c, d.dst, static_cast<U<S>>(d.imm)); }
  static void mi(Cpu& c, const Insn& d) { store<S>(c, ea(c, d), static_cast<U<S>>(d.imm)); }
};

template <int S> Handler mov_form(const DecodeCtx& z) {
  if (z.is_gpr(0) && z.is_gpr(1)) return Mov<S>::rr;
  if (z.is_gpr(0) && z.is_mem(1)) return Mov<S>::rm;
  if (z.is_gpr(0) && z.is_imm(1)) return Mov<S>::ri;
  if (z.is_mem(0) && z.is_gpr(1)) return Mov<S>::mr;
  if (z.is_mem(0) && z.is_imm(1)) return Mov<S>::mi;
  return nullptr;  // segment, control and debug registers: system-level CPU
}

// movzx/movsx/movsxd: DS-byte destination from an SS-byte source.
template <int D, int S, bool Signed> struct Extend {
  static U<D> ext(U<S> v) {
    if constexpr (Signed) return static_cast<U<D>>(static_cast<I<D>>(static_cast<I<S>>(v)));
    else return static_cast<U<D>>(v);
  }
  static void r(Cpu& c, const Insn& d) { set<D>(c, d.dst, ext(get<S>(c, d.src))); }
  static void m(Cpu& c, const Insn& d) { set<D>(c, d.dst, ext(load<S>(c, ea(c, d)))); }
};

template <bool Signed, int D> Handler extend_from(int s, bool reg) {
  switch (s) {
    case 1: return reg ? Extend<D, 1, Signed>::r : Extend<D, 1, Signed>::m;
    case 2: if constexpr (D >= 2) return reg ? Extend<D, 2, Signed>::r : Extend<D, 2, Signed>::m;
            return nullptr;
    case 4: if constexpr (D >= 4) return reg ? Extend<D, 4, Signed>::r : Extend<D, 4, Signed>::m;
            return nullptr;
    default: return nullptr;
  }
}

template <bool Signed> bool bind_extend(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0) || !(z.is_gpr(1) || z.is_mem(1))) return false;
  const bool reg = z.is_gpr(1);
  const int s = z.bytes(1);
  switch (z.bytes(0)) {
    case 2: d.fn = extend_from<Signed, 2>(s, reg); break;
    case 4: d.fn = extend_from<Signed, 4>(s, reg); break;
    case 8: d.fn = extend_from<Signed, 8>(s, reg); break;
    default: return false;
  }
  return d.fn != nullptr;
}

template <int S> struct Lea {
  static void fn(Cpu& c, const Insn& d) { set<S>(c, d.dst, static_cast<U<S>>(ea(c, d))); }
};

template <int S> struct Xchg {
  static void rr(Cpu& c, const Insn& d) {
    const U<S> a = get<S>(c, d.dst), b = get<S>(c, d.src);
    set<S>(c, d.dst, b);
    set<S>(c, d.src, a);
  }
  // xchg with memory: the register is operand 0 or 1; 'reg' holds it.
  static void rm(Cpu& c, const Insn& d) {
    const U<S> r = get<S>(c, d.aux);
    U<S> old = 0;
    c.rmw<U<S>>(ea(c, d), [&](U<S> m) { old = m; return r; });
    set<S>(c, d.aux, old);
  }
};

// cmpxchg r/m, r: compare the accumulator with the destination (flags as
// CMP). Equal: destination = source. Otherwise: accumulator = destination,
// and a memory destination is written back unchanged (SDM Vol. 2A, CMPXCHG).
template <int S> struct Cmpxchg {
  static void rr(Cpu& c, const Insn& d) {
    const U<S> acc = get<S>(c, off_of(RAX)), dst = get<S>(c, d.dst);
    sub_flags<S>(c, acc, dst, 0);
    if (acc == dst) set<S>(c, d.dst, get<S>(c, d.src));
    else set<S>(c, off_of(RAX), dst);
  }
  static void mr(Cpu& c, const Insn& d) {
    const U<S> acc = get<S>(c, off_of(RAX)), src = get<S>(c, d.src);
    U<S> old = 0;
    c.rmw<U<S>>(ea(c, d), [&](U<S> m) {
      old = m;
      sub_flags<S>(c, acc, m, 0);
      return acc == m ? src : m;
    });
    if (acc != old) set<S>(c, off_of(RAX), old);
  }
};

// cmpxchg8b m64 / cmpxchg16b m128: EDX:EAX (RDX:RAX) against memory; equal
// stores ECX:EBX (RCX:RBX) and sets ZF, else loads memory into the pair.
template <int S> struct CmpxchgPair {
  static void fn(Cpu& c, const Insn& d) {
    const uint64_t la = ea(c, d);
    if (S == 8 && (la & 15)) raise(kGP, 0);  // cmpxchg16b needs 16-byte alignment
    c.probe_write(la, 2 * S);
    const U<S> lo = c.load<U<S>>(la), hi = c.load<U<S>>(la + S);
    const bool eq = lo == get<S>(c, off_of(RAX)) && hi == get<S>(c, off_of(RDX));
    if (eq) {
      c.store<U<S>>(la, get<S>(c, off_of(RBX)));
      c.store<U<S>>(la + S, get<S>(c, off_of(RCX)));
    } else {
      c.store<U<S>>(la, lo);  // the locked cycle writes back what it read
      c.store<U<S>>(la + S, hi);
      set<S>(c, off_of(RAX), lo);
      set<S>(c, off_of(RDX), hi);
    }
    set_flags(c, fl::ZF, eq ? fl::ZF : 0);
  }
};

// xadd r/m, r: temp = dst + src; src = dst; dst = temp.
template <int S> struct Xadd {
  static void rr(Cpu& c, const Insn& d) {
    const U<S> a = get<S>(c, d.dst), b = get<S>(c, d.src);
    const U<S> r = add_flags<S>(c, a, b, 0);
    set<S>(c, d.src, a);
    set<S>(c, d.dst, r);
  }
  static void mr(Cpu& c, const Insn& d) {
    const U<S> b = get<S>(c, d.src);
    U<S> old = 0;
    c.rmw<U<S>>(ea(c, d), [&](U<S> a) { old = a; return add_flags<S>(c, a, b, 0); });
    set<S>(c, d.src, old);
  }
};

template <int S> struct Bswap {
  static void fn(Cpu& c, const Insn& d) {
    if constexpr (S == 8) set<8>(c, d.dst, __builtin_bswap64(get<8>(c, d.dst)));
    else if constexpr (S == 4) set<4>(c, d.dst, __builtin_bswap32(get<4>(c, d.dst)));
    else set<2>(c, d.dst, 0);  // undefined for 16 bits (SDM); zero, as QEMU does
  }
};

template <int S> struct Push {
  static void r(Cpu& c, const Insn& d) { push<S>(c, get<S>(c, d.dst)); }
  static void m(Cpu& c, const Insn& d) { push<S>(c, load<S>(c, ea(c, d))); }
  static void i(Cpu& c, const Insn& d) { push<S>(c, static_cast<U<S>>(d.imm)); }
};

template <int S> struct Pop {
  static void r(Cpu& c, const Insn& d) {
    const U<S> v = pop<S>(c);
    set<S>(c, d.dst, v);
  }
  // An RSP-based destination is addressed after RSP is incremented
  // (SDM Vol. 2B, POP). RSP is restored if the store faults.
  static void m(Cpu& c, const Insn& d) {
    const U<S> v = peek<S>(c);
    const uint64_t old = c.s.r[RSP];
    adjust_sp(c, S);
    try {
      store<S>(c, ea(c, d), v);
    } catch (...) {
      c.s.r[RSP] = old;
      throw;
    }
  }
};

template <int S> struct Cmov {
  static void r(Cpu& c, const Insn& d) {
    const U<S> v = get<S>(c, d.src);
    // In 64-bit mode a 32-bit cmov zero-extends its destination either way.
    set<S>(c, d.dst, cond(c.s.rflags, d.aux) ? v : get<S>(c, d.dst));
  }
  static void m(Cpu& c, const Insn& d) {
    const U<S> v = load<S>(c, ea(c, d));  // read whatever the condition
    set<S>(c, d.dst, cond(c.s.rflags, d.aux) ? v : get<S>(c, d.dst));
  }
};

void setcc_r(Cpu& c, const Insn& d) { set<1>(c, d.dst, cond(c.s.rflags, d.aux)); }
void setcc_m(Cpu& c, const Insn& d) { store<1>(c, ea(c, d), cond(c.s.rflags, d.aux)); }

}  // namespace

bool bind_mov(const DecodeCtx& z, Insn& d) {
  // Segment and control registers: the system group.
  if ((z.is_reg(0) && !z.is_gpr(0)) || (z.is_reg(1) && !z.is_gpr(1))) return bind_mov_system(z, d);
  switch (z.bytes(0)) {
    case 1: d.fn = mov_form<1>(z); break;
    case 2: d.fn = mov_form<2>(z); break;
    case 4: d.fn = mov_form<4>(z); break;
    case 8: d.fn = mov_form<8>(z); break;
    default: return false;
  }
  return d.fn != nullptr;
}

bool bind_movzx(const DecodeCtx& z, Insn& d) { return bind_extend<false>(z, d); }
bool bind_movsx(const DecodeCtx& z, Insn& d) { return bind_extend<true>(z, d); }

bool bind_lea(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0) || !z.is_mem(1)) return false;
  d.fn = by_size<Lea>(z.bytes(0));
  return d.fn != nullptr && z.bytes(0) > 1;
}

bool bind_xchg(const DecodeCtx& z, Insn& d) {
  const int s = z.bytes(0);
  if (z.is_gpr(0) && z.is_gpr(1)) {
    d.fn = s == 1 ? Xchg<1>::rr : s == 2 ? Xchg<2>::rr : s == 4 ? Xchg<4>::rr : Xchg<8>::rr;
    return true;
  }
  const int r = z.is_gpr(0) ? 0 : 1;
  if (!z.is_gpr(r) || !z.is_mem(1 - r)) return false;
  d.aux = z.gpr(r);
  d.fn = s == 1 ? Xchg<1>::rm : s == 2 ? Xchg<2>::rm : s == 4 ? Xchg<4>::rm : Xchg<8>::rm;
  return true;
}

bool bind_cmpxchg(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(1)) return false;
  const bool reg = z.is_gpr(0);
  switch (z.bytes(0)) {
    case 1: d.fn = reg ? Cmpxchg<1>::rr : Cmpxchg<1>::mr; break;
    case 2: d.fn = reg ? Cmpxchg<2>::rr : Cmpxchg<2>::mr; break;
    case 4: d.fn = reg ? Cmpxchg<4>::rr : Cmpxchg<4>::mr; break;
    case 8: d.fn = reg ? Cmpxchg<8>::rr : Cmpxchg<8>::mr; break;
    default: return false;
  }
  return true;
}

bool bind_cmpxchg8b(const DecodeCtx& z, Insn& d) {
  if (!z.is_mem(0)) return false;
  d.fn = CmpxchgPair<4>::fn;
  return true;
}

bool bind_cmpxchg16b(const DecodeCtx& z, Insn& d) {
  if (!z.is_mem(0)) return false;
  d.fn = CmpxchgPair<8>::fn;
  return true;
}

bool bind_xadd(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(1)) return false;
  const bool reg = z.is_gpr(0);
  switch (z.bytes(0)) {
    case 1: d.fn = reg ? Xadd<1>::rr : Xadd<1>::mr; break;
    case 2: d.fn = reg ? Xadd<2>::rr : Xadd<2>::mr; break;
    case 4: d.fn = reg ? Xadd<4>::rr : Xadd<4>::mr; break;
    case 8: d.fn = reg ? Xadd<8>::rr : Xadd<8>::mr; break;
    default: return false;
  }
  return true;
}

bool bind_bswap(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0)) return false;
  d.fn = z.bytes(0) == 8 ? Bswap<8>::fn : z.bytes(0) == 4 ? Bswap<4>::fn : Bswap<2>::fn;
  return true;
}

bool bind_push(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  if (z.is_gpr(0)) d.fn = s == 8 ? Push<8>::r : s == 4 ? Push<4>::r : Push<2>::r;
  else if (z.is_mem(0)) d.fn = s == 8 ? Push<8>::m : s == 4 ? Push<4>::m : Push<2>::m;
  else if (z.is_imm(0)) d.fn = s == 8 ? Push<8>::i : s == 4 ? Push<4>::i : Push<2>::i;
  else return bind_push_sreg(z, d);  // segment registers: the system group
  return true;
}

bool bind_pop(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  if (z.is_gpr(0)) d.fn = s == 8 ? Pop<8>::r : s == 4 ? Pop<4>::r : Pop<2>::r;
  else if (z.is_mem(0)) d.fn = s == 8 ? Pop<8>::m : s == 4 ? Pop<4>::m : Pop<2>::m;
  else return bind_pop_sreg(z, d);  // segment registers: the system group
  return true;
}

bool bind_cmovcc(const DecodeCtx& z, Insn& d) {
  d.aux = z.zi.opcode & 0xF;
  const bool reg = z.is_gpr(1);
  if (!z.is_gpr(0) || !(reg || z.is_mem(1))) return false;
  switch (z.bytes(0)) {
    case 2: d.fn = reg ? Cmov<2>::r : Cmov<2>::m; break;
    case 4: d.fn = reg ? Cmov<4>::r : Cmov<4>::m; break;
    case 8: d.fn = reg ? Cmov<8>::r : Cmov<8>::m; break;
    default: return false;
  }
  return true;
}

bool bind_setcc(const DecodeCtx& z, Insn& d) {
  d.aux = z.zi.opcode & 0xF;
  if (z.is_gpr(0)) d.fn = setcc_r;
  else if (z.is_mem(0)) d.fn = setcc_m;
  else return false;
  return true;
}

}  // namespace vmsim::cpu
