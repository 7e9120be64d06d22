#include "cpu/insn_alu.h"

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

// Each operation computes the result and sets the flags it defines.
struct Add {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return add_flags<S>(c, a, b, 0); }
};
struct Adc {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return add_flags<S>(c, a, b, cf(c)); }
};
struct Sub {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return sub_flags<S>(c, a, b, 0); }
};
struct Sbb {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return sub_flags<S>(c, a, b, cf(c)); }
};
struct Cmp {
  static constexpr bool kWrites = false;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return sub_flags<S>(c, a, b, 0); }
};
struct And {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return logic_flags<S>(c, a & b); }
};
struct Test {
  static constexpr bool kWrites = false;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return logic_flags<S>(c, a & b); }
};
struct Or {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return logic_flags<S>(c, a | b); }
};
struct Xor {
  static constexpr bool kWrites = true;
  template <int S> static U<S> f(Cpu& c, U<S> a, U<S> b) { return logic_flags<S>(c, a ^ b); }
};

// Binary forms: dst op= src, dst a register or memory, src a register,
// memory or immediate.
template <class Op, int S> struct Binary {
  static U<S> apply(Cpu& c, U<S> a, U<S> b) { return Op::template f<S>(c, a, b); }
  static void rr(Cpu& c, const Insn& d) {
    const U<S> r = apply(c, get<S>(c, d.dst), get<S>(c, d.src));
    if constexpr (Op::kWrites) set<S>(c, d.dst, r);
  }
  static void rm(Cpu& c, const Insn& d) {
    const U<S> b = load<S>(c, ea(c, d));
    const U<S> r = apply(c, get<S>(c, d.dst), b);
    if constexpr (Op::kWrites) set<S>(c, d.dst, r);
  }
  static void ri(Cpu& c, const Insn& d) {
    const U<S> r = apply(c, get<S>(c, d.dst), static_cast<U<S>>(d.imm));
    if constexpr (Op::kWrites) set<S>(c, d.dst, r);
  }
  static void mem(Cpu& c, const Insn& d, U<S> b) {
    if constexpr (Op::kWrites) {
      c.rmw<U<S>>(ea(c, d), [&](U<S> a) { return apply(c, a, b); });
    } else {
      apply(c, load<S>(c, ea(c, d)), b);
    }
  }
  static void mr(Cpu& c, const Insn& d) { mem(c, d, get<S>(c, d.src)); }
  static void mi(Cpu& c, const Insn& d) { mem(c, d, static_cast<U<S>>(d.imm)); }
};

template <class Op, int S> Handler binary_form(const DecodeCtx& z) {
  using B = Binary<Op, S>;
  if (z.is_gpr(0) && z.is_gpr(1)) return B::rr;
  if (z.is_gpr(0) && z.is_mem(1)) return B::rm;
  if (z.is_gpr(0) && z.is_imm(1)) return B::ri;
  if (z.is_mem(0) && z.is_gpr(1)) return B::mr;
  if (z.is_mem(0) && z.is_imm(1)) return B::mi;
  return nullptr;
}

template <class Op> bool bind_binary(const DecodeCtx& z, Insn& d) {
  switch (z.bytes(0)) {
    case 1: d.fn = binary_form<Op, 1>(z); break;
    case 2: d.fn = binary_form<Op, 2>(z); break;
    case 4: d.fn = binary_form<Op, 4>(z); break;
    case 8: d.fn = binary_form<Op, 8>(z); break;
    default: return false;
  }
  return d.fn != nullptr;
}

// Unary operations on a register or memory operand.
struct Inc {  // CF is preserved
  template <int S> static U<S> f(Cpu& c, U<S> a) {
    const uint64_t keep = c.s.rflags & fl::CF;
    const U<S> r = add_flags<S>(c, a, 1, 0);
    set_flags(c, fl::CF, keep);
    return r;
  }
};
struct Dec {
  template <int S> static U<S> f(Cpu& c, U<S> a) {
    const uint64_t keep = c.s.rflags & fl::CF;
    const U<S> r = sub_flags<S>(c, a, 1, 0);
    set_flags(c, fl::CF, keep);
    return r;
  }
};
struct Not {  // no flags
  template <int S> static U<S> f(Cpu&, U<S> a) { return static_cast<U<S>>(~a); }
};
struct Neg {  // flags of 0 - a: CF = (a != 0)
  template <int S> static U<S> f(Cpu& c, U<S> a) { return sub_flags<S>(c, 0, a, 0); }
};

template <class Op, int S> struct Unary {
  static void r(Cpu& c, const Insn& d) { set<S>(c, d.dst, Op::template f<S>(c, get<S>(c, d.dst))); }
  static void m(Cpu& c, const Insn& d) {
    c.rmw<U<S>>(ea(c, d), [&](U<S> a) { return Op::template f<S>(c, a); });
  }
};

template <class Op> bool bind_unary(const DecodeCtx& z, Insn& d) {
  const bool reg = z.is_gpr(0);
  if (!reg && !z.is_mem(0)) return false;
  switch (z.bytes(0)) {
    case 1: d.fn = reg ? Unary<Op, 1>::r : Unary<Op, 1>::m; break;
    case 2: d.fn = reg ? Unary<Op, 2>::r : Unary<Op, 2>::m; break;
    case 4: d.fn = reg ? Unary<Op, 4>::r : Unary<Op, 4>::m; break;
    case 8: d.fn = reg ? Unary<Op, 8>::r : Unary<Op, 8>::m; break;
    default: return false;
  }
  return true;
}

}  // namespace

bool bind_add(const DecodeCtx& z, Insn& d) { return bind_binary<Add>(z, d); }
bool bind_or(const DecodeCtx& z, Insn& d) { return bind_binary<Or>(z, d); }
bool bind_adc(const DecodeCtx& z, Insn& d) { return bind_binary<Adc>(z, d); }
bool bind_sbb(const DecodeCtx& z, Insn& d) { return bind_binary<Sbb>(z, d); }
bool bind_and(const DecodeCtx& z, Insn& d) { return bind_binary<And>(z, d); }
bool bind_sub(const DecodeCtx& z, Insn& d) { return bind_binary<Sub>(z, d); }
bool bind_xor(const DecodeCtx& z, Insn& d) { return bind_binary<Xor>(z, d); }
bool bind_cmp(const DecodeCtx& z, Insn& d) { return bind_binary<Cmp>(z, d); }
bool bind_test(const DecodeCtx& z, Insn& d) { return bind_binary<Test>(z, d); }
bool bind_inc(const DecodeCtx& z, Insn& d) { return bind_unary<Inc>(z, d); }
bool bind_dec(const DecodeCtx& z, Insn& d) { return bind_unary<Dec>(z, d); }
bool bind_not(const DecodeCtx& z, Insn& d) { return bind_unary<Not>(z, d); }
bool bind_neg(const DecodeCtx& z, Insn& d) { return bind_unary<Neg>(z, d); }

}  // namespace vmsim::cpu
