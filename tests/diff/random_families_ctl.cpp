// Random stream templates: control flow (forward branches, calls with their
// functions, bounded loops, enter/leave frames), string instructions, flag
// instructions, nops.
#include "tests/diff/random_families.h"

#include <algorithm>

namespace vmsim::difftest::rgen {

// --- Control flow ------------------------------------------------------------------------------

bool forward(Gen& g, ZydisMnemonic mn, bool rel8) {
  const int l = g.new_label();
  Req q(mn);
  q.branch(rel8 ? ZYDIS_BRANCH_WIDTH_8 : ZYDIS_BRANCH_WIDTH_32);
  EmitOpt o;
  o.label = l;
  o.ref = kRefBranch;
  if (!g.emit(q, o)) return false;
  g.add_pending(l, rel8);
  return true;
}

bool jcc(Gen& g, ZydisMnemonic mn) { return forward(g, mn, g.chance(0.6)); }

bool jmp(Gen& g, ZydisMnemonic) {
  const int form = static_cast<int>(g.below(4));
  if (form <= 1) return forward(g, ZYDIS_MNEMONIC_JMP, form == 0);
  const int l = g.new_label();
  Req q(ZYDIS_MNEMONIC_JMP);
  if (form == 2) {
    const int r = g.pick_reg(W | Gen::kFixup);
    if (r < 0) return false;
    MemOp m;
    m.rip = true;
    m.size = 8;
    Req f(ZYDIS_MNEMONIC_LEA);
    f.r(gpr(r, 8)).m(m);
    EmitOpt o;
    o.fixup = true;
    o.redundant = false;
    o.label = l;
    o.ref = kRefRipDisp;
    if (!g.emit(f, o)) return false;
    q.r(gpr(r, 8));
  } else {
    MemOp m;
    MemSpec sp;
    sp.size = 8;
    sp.write = true;
    if (!g.mem(sp, m)) return false;
    Req f(ZYDIS_MNEMONIC_MOV);
    f.m(m).i(0x7FFFFFFF);  // forces an imm32, patched with the target
    EmitOpt o;
    o.fixup = true;
    o.redundant = false;
    o.label = l;
    o.ref = kRefImm32;
    if (!g.emit(f, o)) return false;
    q.m(m);
  }
  if (!g.emit(q)) return false;
  g.add_pending(l, false);
  return true;
}

bool jrcxz(Gen& g, ZydisMnemonic mn) {
  if (g.chance(0.35)) {
    // Taken: the count is zero (JECXZ ignores the upper half).
    const uint64_t v = mn == ZYDIS_MNEMONIC_JECXZ ? g.u64() << 32 : 0;
    if (!g.set_exact(RCX, v)) return false;
  }
  return forward(g, mn, true);
}

// A bounded backward loop: counter, body, then loop/loope/loopne or dec+jnz.
bool back_loop(Gen& g, ZydisMnemonic mn) {
  if (!g.land_all()) return false;
  const bool with_loop = mn != ZYDIS_MNEMONIC_JNZ;
  const int c = with_loop ? RCX : g.pick_reg(W | Gen::kFixup);
  if (c < 0 || !g.writable(c, true)) return false;
  const bool a32 = with_loop && g.chance(0.2);
  const uint64_t n = 1 + g.below(4);
  if (!g.set_exact(c, a32 ? (g.u64() << 32) | n : n)) return false;
  const int head = g.new_label();
  if (!g.bind(head)) return false;
  const uint64_t rsp0 = g.rsp;
  // 67h loop counts in ECX and clears RCX's upper half as it does.
  const uint32_t saved = g.begin_loop(c, a32 ? Know{} : Know::range(1, n));
  g.open_scope();
  // The stack is balanced again before the loop instruction, inside the body.
  const bool ok = g.body(1 + static_cast<int>(g.below(3))) && g.close_scope() && g.set_rsp(rsp0);
  g.end_loop(saved);
  if (!ok) return false;
  EmitOpt o;
  o.label = head;
  o.ref = kRefBranch;
  if (with_loop) {
    Req q(mn);
    q.branch(ZYDIS_BRANCH_WIDTH_8);
    if (a32) q.asize(ZYDIS_ADDRESS_SIZE_HINT_32);
    return g.emit(q, o);
  }
  Req d(g.chance(0.5) ? ZYDIS_MNEMONIC_DEC : ZYDIS_MNEMONIC_SUB);
  d.r(gpr(c, 8 >> g.below(2)));
  if (d.z.mnemonic == ZYDIS_MNEMONIC_SUB) d.i(1);
  // The counter must stay within its size's range: n is small, any size works.
  if (!g.emit(d)) return false;
  Req j(ZYDIS_MNEMONIC_JNZ);
  j.branch(g.chance(0.5) ? ZYDIS_BRANCH_WIDTH_8 : ZYDIS_BRANCH_WIDTH_32);
  return g.emit(j, o);
}

bool loop(Gen& g, ZydisMnemonic mn) {
  if (g.chance(0.5)) return back_loop(g, mn);
  // Forward: decrements RCX and maybe branches.
  Req q(mn);
  const int l = g.new_label();
  q.branch(ZYDIS_BRANCH_WIDTH_8);
  if (g.chance(0.2)) q.asize(ZYDIS_ADDRESS_SIZE_HINT_32);
  EmitOpt o;
  o.label = l;
  o.ref = kRefBranch;
  if (!g.emit(q, o)) return false;
  g.add_pending(l, true);
  return true;
}

// call (rel32, register or memory) to a function placed right after it,
// whose body is a few groups, returning with ret or ret imm16.
bool call(Gen& g, ZydisMnemonic mn) {
  if (!g.land_all() || !g.stack_room(0x200)) return false;
  const bool ret_imm = mn == ZYDIS_MNEMONIC_RET ? g.chance(0.6) : g.chance(0.15);
  const int nargs = ret_imm ? static_cast<int>(g.below(3)) : 0;
  for (int k = 0; k < nargs; ++k) {
    Req p(ZYDIS_MNEMONIC_PUSH);
    p.i(g.imm(4));
    EmitOpt o;
    o.fixup = true;
    o.rsp_known = true;
    o.rsp_after = g.rsp - 8;
    if (!g.emit(p, o)) return false;
  }
  const int fn = g.new_label(), over = g.new_label();
  Req q(ZYDIS_MNEMONIC_CALL);
  switch (g.below(3)) {
    case 0:
      q.branch(ZYDIS_BRANCH_WIDTH_32);
      break;
    case 1: {
      const int r = g.pick_reg(W | Gen::kFixup);
      if (r < 0) return false;
      MemOp m;
      m.rip = true;
      m.size = 8;
      Req f(ZYDIS_MNEMONIC_LEA);
      f.r(gpr(r, 8)).m(m);
      EmitOpt o;
      o.fixup = true;
      o.redundant = false;
      o.label = fn;
      o.ref = kRefRipDisp;
      if (!g.emit(f, o)) return false;
      q.r(gpr(r, 8));
      break;
    }
    default: {
      MemOp m;
      MemSpec sp;
      sp.size = 8;
      sp.write = true;
      if (!g.mem(sp, m)) return false;
      Req f(ZYDIS_MNEMONIC_MOV);
      f.m(m).i(0x7FFFFFFF);
      EmitOpt o;
      o.fixup = true;
      o.redundant = false;
      o.label = fn;
      o.ref = kRefImm32;
      if (!g.emit(f, o)) return false;
      q.m(m);
      break;
    }
  }
  EmitOpt co;
  co.rsp_known = true;
  co.rsp_after = g.rsp - 8;
  if (q.z.operands[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
    co.label = fn;
    co.ref = kRefBranch;
  }
  if (!g.emit(q, co)) return false;
  const uint64_t inside = g.rsp;
  Req j(ZYDIS_MNEMONIC_JMP);
  j.branch(g.chance(0.4) ? ZYDIS_BRANCH_WIDTH_8 : ZYDIS_BRANCH_WIDTH_32);
  EmitOpt jo;
  jo.label = over;
  jo.ref = kRefBranch;
  jo.unknown_state = true;  // runs after the function returns
  if (!g.emit(j, jo) || !g.bind(fn)) return false;
  const uint64_t ceiling0 = g.ceiling;
  g.ceiling = inside;  // the return address
  g.open_scope();
  if (!g.body(1 + static_cast<int>(g.below(3))) || !g.close_scope()) return false;
  if (!g.set_rsp(inside)) return false;
  g.ceiling = ceiling0;
  Req r(ZYDIS_MNEMONIC_RET);
  if (ret_imm) r.i(8 * nargs);
  EmitOpt ro;
  ro.rsp_known = true;
  ro.rsp_after = g.rsp + 8 + 8 * nargs;
  if (!g.emit(r, ro)) return false;
  return g.bind(over);
}

// enter size, 0/1; a body; leave. (Unicorn 2.0.1 pushes wrong values for
// nesting levels >= 2, so those are not generated.)
bool enter(Gen& g, ZydisMnemonic) {
  if (!g.land_all() || !g.stack_room(0x600)) return false;
  if (!g.writable(RBP, false)) return false;
  const int osz = g.chance(0.15) ? 2 : 8;
  const int level = static_cast<int>(g.below(2));
  static const int kSizes[] = {0, 8, 16, 0x20, 0x100, 3, 0x1F8};
  const int size = g.pick(kSizes);
  const Know rbp0 = g.know[RBP];
  const uint64_t frame = g.rsp - osz;
  Req q(ZYDIS_MNEMONIC_ENTER);
  q.i(size).i(level).osize(osize_hint(osz));
  EmitOpt o;
  o.rsp_known = true;
  o.rsp_after = frame - osz * level - size;
  if (!g.emit(q, o)) return false;
  g.know[RBP] = Know::of(frame, true);  // SDM Vol. 2A, ENTER: RBP <- FrameTemp (all 64 bits)
  const uint32_t frozen0 = g.frozen;
  const uint64_t ceiling0 = g.ceiling;
  g.frozen |= bit(RBP);
  g.ceiling = frame;  // the saved frame pointer
  g.open_scope();
  const bool ok = g.body(static_cast<int>(g.below(3))) && g.close_scope();
  g.frozen = frozen0;
  g.ceiling = ceiling0;
  if (!ok) return false;
  Req l(ZYDIS_MNEMONIC_LEAVE);
  l.osize(osize_hint(osz));
  EmitOpt lo;
  lo.rsp_known = true;
  lo.rsp_after = frame + osz;
  if (!g.emit(l, lo)) return false;
  if (rbp0.exact()) {
    g.know[RBP] = osz == 8 ? rbp0 : Know::of((frame & ~0xFFFFull) | (rbp0.lo & 0xFFFF));
  }
  return true;
}

// leave on its own: RBP set to a stack address (or, for 66h leave, a data
// address) first; RSP is put back afterwards when it left the stack.
bool leave(Gen& g, ZydisMnemonic) {
  if (!g.stack_room(0x100, 0x200)) return false;
  const int osz = g.chance(0.25) ? 2 : 8;
  const uint64_t rsp0 = g.rsp;
  // The new RSP (RBP + osz) stays below the live stack.
  const uint64_t room = g.ceiling - g.rsp - osz;
  const uint64_t target =
      (osz == 2 && g.chance(0.3)) ? g.data_address(8) : g.rsp + g.below(std::min<uint64_t>(room, 0x80));
  if (!g.set_exact(RBP, target, true)) return false;
  Req l(ZYDIS_MNEMONIC_LEAVE);
  l.osize(osize_hint(osz));
  EmitOpt o;
  o.rsp_known = true;
  o.rsp_after = target + osz;
  if (!g.emit(l, o)) return false;
  if (g.rsp < kStackBase || g.rsp >= kStackBase + kStackSize || g.chance(0.3)) return g.set_rsp(rsp0);
  return true;
}

// --- Strings -------------------------------------------------------------------------------------

bool string_op(Gen& g, ZydisMnemonic mn) {
  const char* name = ZydisMnemonicGetString(mn);  // movsb, cmpsq...
  const char kind = name[0];                       // m(ovs) s(tos/cas) l(ods) c(mps)
  const bool scas = name[0] == 's' && name[1] == 'c';
  const char sz = name[4];
  const int size = sz == 'b' ? 1 : sz == 'w' ? 2 : sz == 'd' ? 4 : 8;
  const bool has_src = kind == 'm' || kind == 'l' || kind == 'c';
  const bool has_dst = kind == 'm' || kind == 's' || kind == 'c';
  const bool dst_write = kind == 'm' || (kind == 's' && !scas);
  const bool compares = kind == 'c' || scas;
  Req q(mn);
  int rep = 0;  // 0 none, 1 rep/repe, 2 repne
  if (g.chance(0.65)) rep = compares && g.chance(0.5) ? 2 : 1;
  if (rep == 1) q.pfx(compares ? ZYDIS_ATTRIB_HAS_REPE : ZYDIS_ATTRIB_HAS_REP);
  if (rep == 2) q.pfx(ZYDIS_ATTRIB_HAS_REPNE);
  const bool a32 = g.chance(0.2);
  if (a32) q.asize(ZYDIS_ADDRESS_SIZE_HINT_32);
  uint64_t segbase = 0;
  if (has_src && g.chance(0.15)) {
    const bool fs = g.chance(0.5);
    q.pfx(fs ? ZYDIS_ATTRIB_HAS_SEGMENT_FS : ZYDIS_ATTRIB_HAS_SEGMENT_GS);
    segbase = fs ? g.fs_base : g.gs_base;
  }
  const uint64_t n = rep ? g.below(9) : 1;
  if (rep && !g.set_exact(RCX, a32 && g.chance(0.5) ? (g.u64() << 32) | n : n)) return false;
  g.use_df();
  // Bytes touched from the start pointer, in either direction DF allows.
  const uint64_t span = (n ? n : 1) * size;
  auto place = [&](int reg, bool write, uint64_t base) -> bool {
    for (int tries = 0; tries < 8; ++tries) {
      uint64_t lin;
      if (g.chance(0.85)) lin = g.data_address(2 * span + 16) + span;
      else lin = kStackBase + 0x400 + span + g.below(g.rsp - kStackBase - 0x400 - 2 * span - 16);
      const uint64_t lo = g.df == 0 ? lin : lin - span + size;
      const uint64_t hi = g.df == 1 ? lin + size : lin + span;
      if (!g.access_ok(lo, hi - lo, write)) continue;
      uint64_t v = lin - base;
      if (a32 && v > 0xFFFFFFFF) continue;
      if (a32 && g.chance(0.4)) v |= g.u64() << 32;
      return g.set_exact(reg, v, true);
    }
    return false;
  };
  if (has_src && !place(RSI, false, segbase)) return false;
  if (has_dst && !place(RDI, dst_write, 0)) return false;
  return g.emit(q);
}

// --- Flags -------------------------------------------------------------------------------------------

bool flag_op(Gen& g, ZydisMnemonic mn) {
  Req q(mn);
  if (!g.emit(q)) return false;
  if (mn == ZYDIS_MNEMONIC_CLD) g.df = 0;
  if (mn == ZYDIS_MNEMONIC_STD) g.df = 1;
  return true;
}

bool pushf(Gen& g, ZydisMnemonic mn) {
  if (!g.stack_room(16)) return false;
  Req q(mn);
  EmitOpt o;
  o.rsp_known = true;
  o.rsp_after = g.rsp - (mn == ZYDIS_MNEMONIC_PUSHF ? 2 : 8);
  return g.emit(q, o);
}

bool popf(Gen& g, ZydisMnemonic mn) {
  if (!g.stack_room(16)) return false;
  const bool narrow = mn == ZYDIS_MNEMONIC_POPF;
  const int size = narrow ? 2 : 8;
  // Arithmetic flags and DF only: TF would trap, IF/IOPL are system state.
  const uint64_t v = 0x2 | (g.u64() & 0x8D5) | (g.chance(0.4) ? 0x400 : 0);
  EmitOpt o;
  o.fixup = true;
  o.rsp_known = true;
  o.rsp_after = g.rsp - size;
  const bool from_flags = g.chance(0.2);
  if (from_flags) {
    Req p(narrow ? ZYDIS_MNEMONIC_PUSHF : ZYDIS_MNEMONIC_PUSHFQ);
    if (!g.emit(p, o)) return false;
  } else {
    Req p(ZYDIS_MNEMONIC_PUSH);
    p.i(static_cast<int64_t>(v)).osize(osize_hint(size));
    if (!g.emit(p, o)) return false;
  }
  const int df0 = g.df;
  Req q(mn);
  EmitOpt po;
  po.rsp_known = true;
  po.rsp_after = g.rsp + size;
  if (!g.emit(q, po)) return false;
  g.df = from_flags ? df0 : ((v & 0x400) ? 1 : 0);
  return true;
}

// --- Misc ------------------------------------------------------------------------------------------------

bool nop(Gen& g, ZydisMnemonic mn) {
  if (mn == ZYDIS_MNEMONIC_ENDBR64) return g.emit_raw({0xF3, 0x0F, 0x1E, 0xFA});
  if (mn == ZYDIS_MNEMONIC_PAUSE) return g.emit_raw({0xF3, 0x90});
  switch (g.below(4)) {
    case 0: return g.emit_raw({0x90});
    case 1: return g.emit_raw({0x66, 0x90});
    default: {
      // 0F 1F /r (and the reserved-NOP opcodes 0F 19, 0F 1D, 0F 1E) with
      // any ModRM: built from a mov's encoding with the opcode replaced.
      Req q(ZYDIS_MNEMONIC_MOV);
      const int size = 2 << g.below(2);
      q.r(gpr(static_cast<int>(g.below(kNumGpr)), size));
      if (g.chance(0.7)) {
        MemSpec sp;
        sp.access = false;
        MemOp m;
        if (!g.mem(sp, m)) return false;
        m.size = static_cast<uint16_t>(size);
        q.m(m);
        if (m.rip) {
          q.z.operands[1].mem.displacement = static_cast<int32_t>(m.rip_ea);
          q.mem.reset();
        }
      } else {
        q.r(gpr(static_cast<int>(g.below(kNumGpr)), size));
      }
      std::vector<uint8_t> b = encode(q);
      ZydisDecodedInstruction zi;
      ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
      if (b.empty() || !decode1(b, zi, ops) || zi.raw.modrm.offset == 0) return false;
      static const uint8_t kOps[] = {0x1F, 0x1F, 0x19, 0x1D, 0x1E};
      const size_t at = zi.raw.modrm.offset - 1;
      b[at] = g.pick(kOps);
      b.insert(b.begin() + static_cast<long>(at), 0x0F);
      if (!decode1(b, zi, ops) || zi.mnemonic != ZYDIS_MNEMONIC_NOP || zi.length != b.size()) return false;
      return g.emit_raw(b);
    }
  }
}

}  // namespace vmsim::difftest::rgen
