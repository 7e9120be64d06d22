// Random stream templates: integer arithmetic and data movement (add..test,
// not/neg/inc/dec, mov and its forms, movzx/movsx/movsxd, lea, xchg,
// cmpxchg*, xadd, bswap, push/pop, cmovcc, setcc, cbw..cqo).
#include "tests/diff/random_families.h"

namespace vmsim::difftest::rgen {

namespace {

// (e.g. 01 /r and 03 /r): re-encode with it flipped and swapped fields.
bool emit_flipped(Gen& g, Req& q) {
  std::vector<uint8_t> b = encode(q);
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (b.empty() || !decode1(b, zi, ops) || zi.raw.modrm.offset == 0 || zi.raw.modrm.mod != 3) return g.emit(q);
  const uint8_t op = b[zi.raw.modrm.offset - 1];
  const bool alu = (op & 0xC4) == 0 && op < 0x40;
  const bool mov = op >= 0x88 && op <= 0x8B;
  if (zi.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT || !(alu || mov)) return g.emit(q);
  b[zi.raw.modrm.offset - 1] = op ^ 2;
  uint8_t& modrm = b[zi.raw.modrm.offset];
  modrm = static_cast<uint8_t>(0xC0 | ((modrm & 7) << 3) | ((modrm >> 3) & 7));
  if (zi.attributes & ZYDIS_ATTRIB_HAS_REX) {
    uint8_t& rex = b[zi.raw.rex.offset];
    rex = static_cast<uint8_t>((rex & 0xFA) | ((rex & 4) >> 2) | ((rex & 1) << 2));
  }
  ZydisDecodedInstruction zj;
  ZydisDecodedOperand opj[ZYDIS_MAX_OPERAND_COUNT];
  if (!decode1(b, zj, opj) || zj.mnemonic != zi.mnemonic || opj[0].reg.value != ops[0].reg.value ||
      opj[1].reg.value != ops[1].reg.value)
    return g.emit(q);
  return g.emit_raw(b);
}

}  // namespace

// --- Integer arithmetic and moves -----------------------------------------------------

bool alu2(Gen& g, ZydisMnemonic mn) {
  const bool writes = mn != ZYDIS_MNEMONIC_CMP && mn != ZYDIS_MNEMONIC_TEST;
  const unsigned wf = writes ? W : 0;
  const int size = g.pick_size();
  int form = static_cast<int>(g.below(5));
  if (mn == ZYDIS_MNEMONIC_TEST && form == 1) form = 2;  // test has no r, r/m form
  Req q(mn);
  switch (form) {
    case 0: {
      const ZydisRegister d = g.pick_gpr(size, wf), s = g.pick_gpr(size, 0);
      if (!d || !s) return false;
      q.r(d).r(s);
      return g.chance(0.3) ? emit_flipped(g, q) : g.emit(q);
    }
    case 1: {
      MemOp m;
      MemSpec sp;
      sp.size = size;
      if (!g.mem(sp, m)) return false;
      const ZydisRegister d = g.pick_gpr(size, wf);
      if (!d) return false;
      q.r(d).m(m);
      break;
    }
    case 2: case 4: {
      MemOp m;
      MemSpec sp;
      sp.size = size;
      sp.write = writes;
      if (!g.mem(sp, m)) return false;
      q.m(m);
      if (form == 2) {
        const ZydisRegister s = g.pick_gpr(size, 0);
        if (!s) return false;
        q.r(s);
      } else {
        q.i(g.imm(size == 8 ? 4 : size));
      }
      if (writes && g.chance(0.25)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
      break;
    }
    default: {
      const ZydisRegister d = g.pick_gpr(size, wf);
      if (!d) return false;
      q.r(d).i(g.imm(size == 8 ? 4 : size));
      break;
    }
  }
  return g.emit(q);
}

bool unary(Gen& g, ZydisMnemonic mn) {
  const int size = g.pick_size();
  RM o;
  if (!rm(g, size, true, o)) return false;
  Req q(mn);
  add(q, o);
  if (o.is_mem && g.chance(0.25)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
  return g.emit(q);
}

bool mov(Gen& g, ZydisMnemonic) {
  const int size = g.pick_size();
  const int form = static_cast<int>(g.below(7));
  Req q(ZYDIS_MNEMONIC_MOV);
  if (form == 0) {
    const ZydisRegister d = g.pick_gpr(size, W), s = g.pick_gpr(size, 0);
    if (!d || !s) return false;
    q.r(d).r(s);
    return g.chance(0.3) ? emit_flipped(g, q) : g.emit(q);
  }
  if (form == 1 || form == 2) {
    MemOp m;
    MemSpec sp;
    sp.size = size;
    sp.write = form == 2;
    if (!g.mem(sp, m)) return false;
    const ZydisRegister r = g.pick_gpr(size, form == 1 ? W : 0);
    if (!r) return false;
    if (form == 1) q.r(r).m(m);
    else q.m(m).r(r);
    return g.emit(q);
  }
  if (form == 3) {
    const int r = g.pick_reg(W);
    if (r < 0) return false;
    if (size == 4 && g.chance(0.3)) {
      // The C7 /0 form of mov r32, imm32 (the encoder prefers B8+r).
      const uint32_t v = static_cast<uint32_t>(g.interesting());
      std::vector<uint8_t> b;
      if (r >= 8) b.push_back(0x41);
      b.push_back(0xC7);
      b.push_back(static_cast<uint8_t>(0xC0 | (r & 7)));
      for (int k = 0; k < 4; ++k) b.push_back(static_cast<uint8_t>(v >> (8 * k)));
      return g.emit_raw(b);
    }
    const ZydisRegister d = size == 1 ? g.pick_reg8(W) : gpr(r, size);
    if (!d) return false;
    q.r(d).i(size == 8 ? static_cast<int64_t>(g.chance(0.5) ? g.interesting() : g.u64()) : g.imm(size));
    return g.emit(q);
  }
  if (form == 4) {
    MemOp m;
    MemSpec sp;
    sp.size = size;
    sp.write = true;
    if (!g.mem(sp, m)) return false;
    q.m(m).i(g.imm(size == 8 ? 4 : size));
    return g.emit(q);
  }
  if (form == 5) {
    // moffs with a 64-bit absolute address: A0..A3, optional FS/GS.
    const bool store = g.chance(0.5);
    uint64_t seg = 0;
    std::vector<uint8_t> b;
    if (g.chance(0.25)) {
      const bool fs = g.chance(0.5);
      b.push_back(fs ? 0x64 : 0x65);
      seg = fs ? g.fs_base : g.gs_base;
    }
    if (size == 2) b.push_back(0x66);
    if (size == 8) b.push_back(0x48);
    b.push_back(static_cast<uint8_t>((store ? 0xA2 : 0xA0) | (size > 1 ? 1 : 0)));
    const uint64_t lin = g.data_address(size);
    const uint64_t addr = lin - seg;
    for (int k = 0; k < 8; ++k) b.push_back(static_cast<uint8_t>(addr >> (8 * k)));
    if (!store && !g.writable(RAX, false)) return false;
    return g.emit_raw(b);
  }
  // Accumulator with an absolute address: the encoder picks moffs32 (67h).
  MemOp m;
  MemSpec sp;
  sp.size = size;
  sp.write = g.chance(0.5);
  sp.no_index = true;
  sp.no_rip = true;
  if (!g.mem(sp, m)) return false;
  if (sp.write) q.m(m).r(gpr(RAX, size));
  else q.r(gpr(RAX, size)).m(m);
  return g.emit(q);
}

bool movx(Gen& g, ZydisMnemonic mn) {
  int dsz, ssz;
  if (mn == ZYDIS_MNEMONIC_MOVSXD) {
    dsz = g.chance(0.9) ? 8 : 4;  // 63 /r without REX.W is a plain 32-bit move
    ssz = 4;
  } else {
    ssz = g.chance(0.5) ? 1 : 2;
    dsz = ssz == 1 ? 2 << g.below(3) : 4 << g.below(2);
  }
  RM s;
  if (!rm(g, ssz, false, s)) return false;
  const ZydisRegister d = g.pick_gpr(dsz, W);
  if (!d) return false;
  Req q(mn);
  q.r(d);
  add(q, s);
  return g.emit(q);
}

bool lea(Gen& g, ZydisMnemonic) {
  MemSpec sp;
  sp.access = false;
  MemOp m;
  if (!g.mem(sp, m)) return false;
  m.size = m.a32 ? 4 : 8;
  const ZydisRegister d = g.pick_gpr(2 << g.below(3), W);
  if (!d) return false;
  Req q(ZYDIS_MNEMONIC_LEA);
  q.r(d).m(m);
  if (m.rip) {
    // Any displacement: encode it directly.
    q.z.operands[1].mem.displacement = static_cast<int32_t>(m.rip_ea);
    q.mem.reset();
  }
  return g.emit(q);
}

bool xchg(Gen& g, ZydisMnemonic) {
  const int size = g.pick_size();
  const int form = static_cast<int>(g.below(4));
  if (form == 0 && size > 1) {
    // 90+r with the accumulator; 87 C0 for xchg eax, eax (which zero-extends).
    const int r = g.pick_reg(W);
    if (r < 0 || !g.writable(RAX, false)) return false;
    std::vector<uint8_t> b;
    if (size == 2) b.push_back(0x66);
    if (r == 0) {
      if (size == 8) b.push_back(0x48);
      b.insert(b.end(), {0x87, 0xC0});
    } else {
      const uint8_t rex = static_cast<uint8_t>((size == 8 ? 0x48 : 0) | (r >= 8 ? 0x41 : 0));
      if (rex) b.push_back(rex | 0x40);
      b.push_back(static_cast<uint8_t>(0x90 + (r & 7)));
    }
    return g.emit_raw(b);
  }
  Req q(ZYDIS_MNEMONIC_XCHG);
  const ZydisRegister a = g.pick_gpr(size, W);
  if (!a) return false;
  if (form == 1) {
    const ZydisRegister b = g.pick_gpr(size, W);
    if (!b) return false;
    q.r(a).r(b);
  } else {
    MemOp m;
    MemSpec sp;
    sp.size = size;
    sp.write = true;
    if (!g.mem(sp, m)) return false;
    if (form == 2) q.r(a).m(m);
    else q.m(m).r(a);
    if (g.chance(0.3)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
  }
  return g.emit(q);
}

bool cmpxchg(Gen& g, ZydisMnemonic) {
  const int size = g.pick_size();
  const bool succeed = g.chance(0.35);
  Req q(ZYDIS_MNEMONIC_CMPXCHG);
  const ZydisRegister src = g.pick_gpr(size, 0);
  if (!src) return false;
  if (g.chance(0.5)) {
    const ZydisRegister d = g.pick_gpr(size, W);
    if (!d) return false;
    if (succeed) {
      Req f(ZYDIS_MNEMONIC_MOV);
      f.r(gpr(RAX, size)).r(d);
      if (!g.fix(f)) return false;
    }
    q.r(d).r(src);
  } else {
    MemOp m;
    MemSpec sp;
    sp.size = size;
    sp.write = true;
    sp.avoid = bit(RAX);
    if (!g.mem(sp, m)) return false;
    if (succeed) {
      Req f(ZYDIS_MNEMONIC_MOV);
      f.r(gpr(RAX, size)).m(m);
      if (!g.fix(f)) return false;
    }
    q.m(m).r(src);
    if (g.chance(0.4)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
  }
  return g.emit(q);
}

bool cmpxchg_pair(Gen& g, ZydisMnemonic mn) {
  const bool wide = mn == ZYDIS_MNEMONIC_CMPXCHG16B;
  const int half = wide ? 8 : 4;
  MemOp m;
  MemSpec sp;
  sp.size = 2 * half;
  sp.write = true;
  sp.align = wide ? 16 : 1;
  sp.avoid = bit(RAX) | bit(RDX);
  if (!g.mem(sp, m)) return false;
  if (g.chance(0.4)) {
    Req a(ZYDIS_MNEMONIC_MOV), d(ZYDIS_MNEMONIC_MOV);
    a.r(gpr(RAX, half)).m(m.at(0));
    d.r(gpr(RDX, half)).m(m.at(half));
    a.z.operands[1].mem.size = d.z.operands[1].mem.size = static_cast<uint16_t>(half);
    if (!g.fix(a) || !g.fix(d)) return false;
  }
  Req q(mn);
  q.m(m);
  if (g.chance(0.5)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
  return g.emit(q);
}

bool xadd(Gen& g, ZydisMnemonic) {
  const int size = g.pick_size();
  RM d;
  if (!rm(g, size, true, d, 0.5)) return false;
  const ZydisRegister s = g.pick_gpr(size, W);
  if (!s) return false;
  Req q(ZYDIS_MNEMONIC_XADD);
  add(q, d).r(s);
  if (d.is_mem && g.chance(0.4)) q.pfx(ZYDIS_ATTRIB_HAS_LOCK);
  return g.emit(q);
}

bool bswap(Gen& g, ZydisMnemonic) {
  // 16-bit bswap is undefined (SDM): not generated.
  const ZydisRegister r = g.pick_gpr(g.chance(0.5) ? 4 : 8, W);
  if (!r) return false;
  Req q(ZYDIS_MNEMONIC_BSWAP);
  q.r(r);
  return g.emit(q);
}

bool push(Gen& g, ZydisMnemonic) {
  if (!g.stack_room(16)) return false;
  const int size = g.chance(0.2) ? 2 : 8;
  Req q(ZYDIS_MNEMONIC_PUSH);
  switch (g.below(3)) {
    case 0: {
      const ZydisRegister r = g.pick_gpr(size, 0);
      if (!r) return false;
      q.r(r);
      break;
    }
    case 1: {
      MemOp m;
      MemSpec sp;
      sp.size = size;
      if (!g.mem(sp, m)) return false;
      q.m(m);
      break;
    }
    default:
      q.i(g.imm(size == 2 ? 2 : 4)).osize(osize_hint(size));
      break;
  }
  EmitOpt o;
  o.rsp_known = true;
  o.rsp_after = g.rsp - size;
  return g.emit(q, o);
}

bool pop(Gen& g, ZydisMnemonic) {
  if (!g.stack_room(0, 16)) return false;
  const int size = g.chance(0.2) ? 2 : 8;
  Req q(ZYDIS_MNEMONIC_POP);
  if (g.chance(0.6)) {
    const ZydisRegister r = g.pick_gpr(size, W);
    if (!r) return false;
    q.r(r);
  } else {
    // An RSP base is read after RSP moves (SDM Vol. 2B, POP).
    MemOp m;
    MemSpec sp;
    sp.size = size;
    sp.write = true;
    sp.rsp_adjust = size;
    if (!g.mem(sp, m)) return false;
    q.m(m);
  }
  EmitOpt o;
  o.rsp_known = true;
  o.rsp_after = g.rsp + size;
  return g.emit(q, o);
}

bool cmovcc(Gen& g, ZydisMnemonic mn) {
  const int size = 2 << g.below(3);
  RM s;
  if (!rm(g, size, false, s)) return false;
  const ZydisRegister d = g.pick_gpr(size, W);
  if (!d) return false;
  Req q(mn);
  q.r(d);
  add(q, s);
  return g.emit(q);
}

bool setcc(Gen& g, ZydisMnemonic mn) {
  RM d;
  if (!rm(g, 1, true, d, 0.3)) return false;
  Req q(mn);
  add(q, d);
  return g.emit(q);
}

bool convert(Gen& g, ZydisMnemonic mn) {
  Req q(mn);
  return g.emit(q);
}

}  // namespace vmsim::difftest::rgen
