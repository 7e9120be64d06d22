#include "cpu/insn_control.h"

#include "cpu/exec.h"
#include "cpu/insn_system.h"

namespace vmsim::cpu {

namespace {

void jmp_rel(Cpu& c, const Insn& d) { jump_to(c, c.s.rip() + d.disp); }
template <int S> struct JmpInd {
  static void r(Cpu& c, const Insn& d) { jump_to(c, get<S>(c, d.dst)); }
  static void m(Cpu& c, const Insn& d) { jump_to(c, load<S>(c, ea(c, d))); }
};

template <unsigned CC> void jcc(Cpu& c, const Insn& d) {
  if (cond(c.s.rflags, CC)) jump_to(c, c.s.rip() + d.disp);
}
constexpr Handler kJcc[16] = {jcc<0>, jcc<1>, jcc<2>,  jcc<3>,  jcc<4>,  jcc<5>,  jcc<6>,  jcc<7>,
                              jcc<8>, jcc<9>, jcc<10>, jcc<11>, jcc<12>, jcc<13>, jcc<14>, jcc<15>};

// call pushes the return address (the next RIP) and jumps. The target is
// checked before the push, so a bad target leaves the stack untouched.
template <int S> void call_to(Cpu& c, uint64_t target) {
  const uint64_t ret = c.s.rip();
  const uint64_t rip_before = c.s.rip();
  jump_to(c, target);  // may raise #GP with RIP unchanged
  try {
    push<S>(c, static_cast<U<S>>(ret));
  } catch (...) {
    c.s.r[kRip] = rip_before;
    throw;
  }
}
template <int S> struct Call {
  static void rel(Cpu& c, const Insn& d) { call_to<S>(c, c.s.rip() + d.disp); }
  static void r(Cpu& c, const Insn& d) { call_to<S>(c, get<S>(c, d.dst)); }
  static void m(Cpu& c, const Insn& d) { call_to<S>(c, load<S>(c, ea(c, d))); }
};

// ret [imm16]: pop the return address, then release imm16 more bytes.
template <int S> struct Ret {
  static void fn(Cpu& c, const Insn& d) {
    const U<S> target = peek<S>(c);
    jump_to(c, target);
    adjust_sp(c, S + static_cast<int64_t>(d.imm));
  }
};

// jrcxz/jecxz/jcxz test the count register at the address size.
template <int A> void jcxz(Cpu& c, const Insn& d) {
  if (get<A>(c, off_of(RCX)) == 0) jump_to(c, c.s.rip() + d.disp);
}

// loop: decrement the count (at the address size, flags untouched), branch
// while it is not zero (loope: and ZF=1; loopne: and ZF=0).
template <int A, int Kind> void loop(Cpu& c, const Insn& d) {
  const U<A> count = static_cast<U<A>>(get<A>(c, off_of(RCX)) - 1);
  bool take = count != 0;
  if constexpr (Kind == 1) take = take && (c.s.rflags & fl::ZF);
  if constexpr (Kind == 2) take = take && !(c.s.rflags & fl::ZF);
  if (take) jump_to(c, c.s.rip() + d.disp);  // may fault: count not yet written
  set<A>(c, off_of(RCX), count);  // a 32-bit count zero-extends, as any ECX write
}

// enter imm16, imm8 (SDM Vol. 2A, ENTER). In 64-bit mode the new frame
// pointer is all of RBP whatever the operand size ("IF 64-bit mode THEN
// RBP <- FrameTemp"); only the pushed frame pointers are S bytes.
template <int S, bool L64> void enter(Cpu& c, const Insn& d) {
  const unsigned level = d.imm2 & 31;
  const uint64_t size = d.imm & 0xFFFF;
  const uint64_t rsp0 = c.s.r[RSP];
  const uint64_t rbp0 = c.s.r[RBP];
  // Probe every stack write first so a fault changes nothing.
  const uint64_t frame_bytes = S * (1 + level);
  c.probe_write(rsp0 - frame_bytes, frame_bytes);
  push<S>(c, static_cast<U<S>>(rbp0));
  const uint64_t frame = c.s.r[RSP];
  if (level > 0) {
    uint64_t rbp = rbp0;
    for (unsigned i = 1; i < level; ++i) {
      rbp -= S;
      push<S>(c, c.load<U<S>>(rbp));
    }
    push<S>(c, static_cast<U<S>>(frame));
  }
  if constexpr (L64) c.s.r[RBP] = frame;
  else set<S>(c, off_of(RBP), static_cast<U<S>>(frame));
  adjust_sp(c, -static_cast<int64_t>(size));
}

// leave: RSP = RBP at the stack address size (all 64 bits in 64-bit mode,
// whatever the operand size), then RBP = pop at the operand size (SDM
// Vol. 2A, LEAVE).
template <int S, bool L64> void leave(Cpu& c, const Insn&) {
  const uint64_t rsp_before = c.s.r[RSP];
  if constexpr (L64) c.s.r[RSP] = c.s.r[RBP];
  else c.s.r[RSP] = static_cast<uint32_t>(c.s.r[RBP]) | (c.s.r[RSP] & ~0xFFFFFFFFull);
  try {
    set<S>(c, off_of(RBP), pop<S>(c));
  } catch (...) {
    c.s.r[RSP] = rsp_before;
    throw;
  }
}

}  // namespace

bool bind_jmp(const DecodeCtx& z, Insn& d) {
  if (z.is_imm(0) && z.op[0].imm.is_relative) {
    d.fn = jmp_rel;
    return true;
  }
  if (z.zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) return bind_far_jmp(z, d);
  const int s = z.mode == CpuMode::Long64 ? 8 : 4;
  if (z.bytes(0) != s) return false;
  if (z.is_gpr(0)) d.fn = s == 8 ? JmpInd<8>::r : JmpInd<4>::r;
  else if (z.is_mem(0)) d.fn = s == 8 ? JmpInd<8>::m : JmpInd<4>::m;
  else return false;
  return true;
}

bool bind_jcc(const DecodeCtx& z, Insn& d) {
  d.fn = kJcc[z.zi.opcode & 0xF];
  return true;
}

bool bind_call(const DecodeCtx& z, Insn& d) {
  const bool m64 = z.mode == CpuMode::Long64;
  if (z.is_imm(0) && z.op[0].imm.is_relative) {
    d.fn = m64 ? Call<8>::rel : Call<4>::rel;
    return true;
  }
  if (z.zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) return bind_far_call(z, d);
  if (z.bytes(0) != (m64 ? 8 : 4)) return false;
  if (z.is_gpr(0)) d.fn = m64 ? Call<8>::r : Call<4>::r;
  else if (z.is_mem(0)) d.fn = m64 ? Call<8>::m : Call<4>::m;
  else return false;
  return true;
}

bool bind_ret(const DecodeCtx& z, Insn& d) {
  if (z.zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) return bind_far_ret(z, d);
  if (!z.is_imm(0)) d.imm = 0;
  d.fn = z.mode == CpuMode::Long64 ? Ret<8>::fn : Ret<4>::fn;
  return true;
}

bool bind_jcxz(const DecodeCtx& z, Insn& d) {
  const int a = z.zi.address_width / 8;
  d.fn = a == 8 ? jcxz<8> : a == 4 ? jcxz<4> : jcxz<2>;
  return true;
}

bool bind_loop(const DecodeCtx& z, Insn& d) {
  const int a = z.zi.address_width / 8;
  const int kind = z.zi.mnemonic == ZYDIS_MNEMONIC_LOOPE ? 1 : z.zi.mnemonic == ZYDIS_MNEMONIC_LOOPNE ? 2 : 0;
  static constexpr Handler t[3][3] = {{loop<2, 0>, loop<2, 1>, loop<2, 2>},
                                      {loop<4, 0>, loop<4, 1>, loop<4, 2>},
                                      {loop<8, 0>, loop<8, 1>, loop<8, 2>}};
  d.fn = t[a == 8 ? 2 : a == 4 ? 1 : 0][kind];
  return true;
}

bool bind_enter(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  if (z.mode == CpuMode::Long64) d.fn = s == 8 ? enter<8, true> : enter<2, true>;
  else d.fn = s == 4 ? enter<4, false> : enter<2, false>;
  return true;
}

bool bind_leave(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  if (z.mode == CpuMode::Long64) d.fn = s == 8 ? leave<8, true> : leave<2, true>;
  else d.fn = s == 4 ? leave<4, false> : leave<2, false>;
  return true;
}

}  // namespace vmsim::cpu
