// Segment registers, far transfers and interrupt instructions (SDM Vol. 2A:
// CALL, INT n/INTO/INT3/INT1, IRET, JMP, MOV; Vol. 2B: POP, PUSH, RET).
// The descriptor checks are in cpu/segments.cpp, IDT delivery in
// cpu/interrupts.cpp.
//
// Undefined flags: none. iret loads RFLAGS by the CPL/IOPL rules
// (merge_rflags); nothing here computes flags.
//
// Every check and every stack access that can fault comes before the first
// change of state, so a faulting far transfer leaves the machine as it was.
#include "cpu/exec.h"
#include "cpu/insn_system.h"
#include "cpu/system.h"

namespace vmsim::cpu {

namespace {

[[noreturn]] void gp0(Cpu& c, std::string why) {
  c.note(std::move(why));
  raise(kGP, 0);
}

// The linear address of RSP + delta on the current stack.
uint64_t stack_la(const Cpu& c, int64_t delta) {
  uint64_t a = c.s.r[RSP] + delta;
  if (c.s.mode != CpuMode::Long64) a = static_cast<uint32_t>(a);
  return a + c.s.seg_base[SS];
}

// mov Sreg / pop Sreg: check the selector, then load. SS also blocks
// interrupts for one instruction (SDM Vol. 3A, 6.8.3), so that a following
// mov to RSP completes the stack switch first.
void load_sreg(Cpu& c, uint8_t seg, uint16_t sel) {
  if (seg == SS) {
    commit_segment(c, SS, check_stack_segment(c, sel));
    c.inhibit_interrupts();
  } else {
    commit_segment(c, static_cast<Seg>(seg), check_data_segment(c, sel));
  }
}

template <bool Mem> void mov_to_sreg(Cpu& c, const Insn& d) {
  load_sreg(c, d.aux, Mem ? load<2>(c, ea(c, d)) : get<2>(c, d.src));
}
// mov r, Sreg zero-extends the selector into a 32- or 64-bit register;
// mov m16, Sreg stores 16 bits.
template <int S> void mov_from_sreg_r(Cpu& c, const Insn& d) {
  set<S>(c, d.dst, static_cast<U<S>>(c.s.seg[d.aux].selector));
}
void mov_from_sreg_m(Cpu& c, const Insn& d) { store<2>(c, ea(c, d), c.s.seg[d.aux].selector); }

// push Sreg with a 32- or 64-bit operand size: the SDM allows either a
// zero-extended push or a 16-bit write; vmsim pushes the zero-extended
// selector (as QEMU does).
template <int S> void push_sreg(Cpu& c, const Insn& d) {
  push<S>(c, static_cast<U<S>>(c.s.seg[d.aux].selector));
}
template <int S> void pop_sreg(Cpu& c, const Insn& d) {
  const uint16_t sel = static_cast<uint16_t>(peek<S>(c));
  load_sreg(c, d.aux, sel);
  adjust_sp(c, S);
}

// --- Far transfers to code segments (no gates, no task switches) -------------

void far_jmp(Cpu& c, uint16_t sel, uint64_t off) {
  const Segment cs = check_far_target(c, sel);
  commit_cs(c, cs, check_far_rip(c, cs, off));
}

// call far pushes CS and the return address at the operand size.
template <int S> void far_call(Cpu& c, uint16_t sel, uint64_t off) {
  const Segment cs = check_far_target(c, sel);
  const uint64_t rip = check_far_rip(c, cs, off);
  c.probe_write(stack_la(c, -2 * S), 2 * S);
  push<S>(c, static_cast<U<S>>(c.s.seg[CS].selector));
  push<S>(c, static_cast<U<S>>(c.s.rip()));
  commit_cs(c, cs, rip);
}

template <int S> struct Far {
  static void jmp_ptr(Cpu& c, const Insn& d) { far_jmp(c, d.imm2, d.imm); }
  static void call_ptr(Cpu& c, const Insn& d) { far_call<S>(c, d.imm2, d.imm); }
  static void jmp_mem(Cpu& c, const Insn& d) {
    const uint64_t la = ea(c, d);
    const uint64_t off = load<S>(c, la);
    far_jmp(c, load<2>(c, la + S), off);
  }
  static void call_mem(Cpu& c, const Insn& d) {
    const uint64_t la = ea(c, d);
    const uint64_t off = load<S>(c, la);
    far_call<S>(c, load<2>(c, la + S), off);
  }

  // retf [imm16] (SDM Vol. 2B, RET): to the same privilege level, or to an
  // outer one, which also pops SS:RSP (after the released parameters) and
  // releases imm16 bytes of the new stack too.
  static void ret(Cpu& c, const Insn& d) {
    const uint64_t off = peek<S>(c, 0);
    const uint16_t sel = static_cast<uint16_t>(peek<S>(c, S));
    const Segment cs = check_return_code(c, sel);
    const unsigned new_cpl = sel_rpl(sel);
    const uint64_t rip = check_far_rip(c, cs, off);
    const uint64_t imm = d.imm & 0xFFFF;
    const int64_t release = 2 * S + static_cast<int64_t>(imm);
    if (new_cpl == c.s.cpl) {
      adjust_sp(c, release);  // in the current mode's stack width
      commit_cs(c, cs, rip);
      return;
    }
    const uint64_t rsp = peek<S>(c, release);
    const uint16_t ss_sel = static_cast<uint16_t>(peek<S>(c, release + S));
    const Segment ss = check_return_stack(c, ss_sel, new_cpl, is_64bit_code(c, cs), kSS);
    c.s.r[RSP] = rsp;
    c.s.seg[SS] = ss;
    commit_cs(c, cs, rip);
    adjust_sp(c, static_cast<int64_t>(imm));
    null_inaccessible_segments(c);
  }

  // iret (SDM Vol. 2A, IRET): pops RIP, CS, RFLAGS, and SS:RSP when it
  // returns to an outer level or runs in 64-bit mode (iretq always pops all
  // five). RFLAGS follow the CPL/IOPL rules of the level it returns from.
  static void iret(Cpu& c, const Insn&) {
    if (c.s.rflags & fl::NT)
      gp0(c, ia32e(c) ? "iret with NT set in IA-32e mode" : "iret with NT set (task return is not supported)");
    const uint64_t off = peek<S>(c, 0);
    const uint16_t sel = static_cast<uint16_t>(peek<S>(c, S));
    const uint64_t flags = peek<S>(c, 2 * S);
    const bool pop_stack = c.s.mode == CpuMode::Long64 || sel_rpl(sel) > c.s.cpl;
    uint64_t rsp = 0;
    uint16_t ss_sel = 0;
    if (pop_stack) {
      rsp = peek<S>(c, 3 * S);
      ss_sel = static_cast<uint16_t>(peek<S>(c, 4 * S));
    }
    const Segment cs = check_return_code(c, sel);
    const unsigned new_cpl = sel_rpl(sel);
    Segment ss;
    if (pop_stack) ss = check_return_stack(c, ss_sel, new_cpl, is_64bit_code(c, cs), kNP);
    const uint64_t rip = check_far_rip(c, cs, off);
    const uint64_t f = merge_rflags(c, flags, S == 8 ? ~uint64_t{0} : 0xFFFFFFFFull, true);
    const uint8_t old_cpl = c.s.cpl;
    if (pop_stack) {
      c.s.r[RSP] = rsp;
      c.s.seg[SS] = ss;
    } else {
      adjust_sp(c, 3 * S);
    }
    c.s.rflags = f;
    commit_cs(c, cs, rip);
    if (new_cpl > old_cpl) null_inaccessible_segments(c);
    c.platform_changed();  // IF may be set now
  }
};

// --- Software interrupts -----------------------------------------------------

void int_n(Cpu& c, const Insn& d) { c.software_interrupt(static_cast<uint8_t>(d.imm)); }
// int1 (icebp): #DB as a trap, without the gate DPL check of int n.
void int1(Cpu& c, const Insn&) { c.software_interrupt(kDB, EventKind::Exception); }
void into(Cpu& c, const Insn&) {
  if (c.s.rflags & fl::OF) c.software_interrupt(kOF);
}

void invalid(Cpu&, const Insn&) { raise(kUD); }

bool bind(Insn& d, Handler h) {
  d.fn = h;
  return true;
}

bool is_sreg(const DecodeCtx& z, int i) {
  return z.is_reg(i) && ZydisRegisterGetClass(z.op[i].reg.value) == ZYDIS_REGCLASS_SEGMENT;
}
bool is_creg(const DecodeCtx& z, int i) {
  return z.is_reg(i) && ZydisRegisterGetClass(z.op[i].reg.value) == ZYDIS_REGCLASS_CONTROL;
}
uint8_t sreg(const DecodeCtx& z, int i) { return static_cast<uint8_t>(ZydisRegisterGetId(z.op[i].reg.value)); }

// Far forms are 32- or 64-bit (no 16-bit operand size).
int far_size(const DecodeCtx& z) { return z.zi.operand_width / 8; }

}  // namespace

bool bind_mov_system(const DecodeCtx& z, Insn& d) {
  if (is_creg(z, 0) || is_creg(z, 1)) return bind_mov_cr(z, d);
  if (is_sreg(z, 0)) {
    d.aux = sreg(z, 0);
    if (d.aux == CS) return bind(d, invalid);  // mov cs, r/m is #UD
    return bind(d, z.is_mem(1) ? mov_to_sreg<true> : mov_to_sreg<false>);
  }
  if (is_sreg(z, 1)) {
    d.aux = sreg(z, 1);
    if (z.is_mem(0)) return bind(d, mov_from_sreg_m);
    switch (z.bytes(0)) {
      case 2: return bind(d, mov_from_sreg_r<2>);
      case 4: return bind(d, mov_from_sreg_r<4>);
      case 8: return bind(d, mov_from_sreg_r<8>);
      default: return false;
    }
  }
  return false;  // debug and test registers: not implemented
}

bool bind_push_sreg(const DecodeCtx& z, Insn& d) {
  if (!is_sreg(z, 0)) return false;
  d.aux = sreg(z, 0);
  const int s = stack_size(z, d);
  return bind(d, s == 8 ? push_sreg<8> : s == 4 ? push_sreg<4> : push_sreg<2>);
}

bool bind_pop_sreg(const DecodeCtx& z, Insn& d) {
  if (!is_sreg(z, 0)) return false;
  d.aux = sreg(z, 0);
  if (d.aux == CS) return bind(d, invalid);
  const int s = stack_size(z, d);
  return bind(d, s == 8 ? pop_sreg<8> : s == 4 ? pop_sreg<4> : pop_sreg<2>);
}

bool bind_far_jmp(const DecodeCtx& z, Insn& d) {
  const int s = far_size(z);
  if (s != 4 && s != 8) return false;
  if (z.nvis() >= 1 && z.op[0].type == ZYDIS_OPERAND_TYPE_POINTER) {
    d.imm = z.op[0].ptr.offset;
    d.imm2 = z.op[0].ptr.segment;
    return bind(d, Far<4>::jmp_ptr);
  }
  if (!z.is_mem(0)) return false;
  return bind(d, s == 8 ? Far<8>::jmp_mem : Far<4>::jmp_mem);
}

bool bind_far_call(const DecodeCtx& z, Insn& d) {
  const int s = far_size(z);
  if (s != 4 && s != 8) return false;
  if (z.nvis() >= 1 && z.op[0].type == ZYDIS_OPERAND_TYPE_POINTER) {
    d.imm = z.op[0].ptr.offset;
    d.imm2 = z.op[0].ptr.segment;
    return bind(d, Far<4>::call_ptr);
  }
  if (!z.is_mem(0)) return false;
  return bind(d, s == 8 ? Far<8>::call_mem : Far<4>::call_mem);
}

bool bind_far_ret(const DecodeCtx& z, Insn& d) {
  const int s = far_size(z);
  if (s != 4 && s != 8) return false;
  if (!z.is_imm(0)) d.imm = 0;
  return bind(d, s == 8 ? Far<8>::ret : Far<4>::ret);
}

bool bind_iret(const DecodeCtx& z, Insn& d) {
  switch (z.zi.mnemonic) {
    case ZYDIS_MNEMONIC_IRETQ: return bind(d, Far<8>::iret);
    case ZYDIS_MNEMONIC_IRETD: return bind(d, Far<4>::iret);
    default: return false;  // 16-bit iret
  }
}

bool bind_int(const DecodeCtx&, Insn& d) { return bind(d, int_n); }
bool bind_int1(const DecodeCtx&, Insn& d) { return bind(d, int1); }
bool bind_into(const DecodeCtx& z, Insn& d) {
  return bind(d, z.mode == CpuMode::Long64 ? invalid : into);
}

}  // namespace vmsim::cpu
