// The random stream generator: encoding (Zydis' encoder, redundant
// prefixes, RIP-relative displacements), and committing an instruction: its
// effects on the register knowledge, its coverage features, label patches.
#include "tests/diff/random_gen_internal.h"

#include <cstring>

namespace vmsim::difftest::rgen {

namespace {

const ZydisDecoder& decoder() {
  static const ZydisDecoder d = [] {
    ZydisDecoder x;
    ZydisDecoderInit(&x, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    return x;
  }();
  return d;
}

// Two decodings mean the same instruction (a redundant prefix changed nothing).
bool same_semantics(const ZydisDecodedInstruction& a, const ZydisDecodedOperand* ao,
                    const ZydisDecodedInstruction& b, const ZydisDecodedOperand* bo) {
  if (a.mnemonic != b.mnemonic || a.operand_width != b.operand_width ||
      a.address_width != b.address_width || a.operand_count != b.operand_count)
    return false;
  for (int i = 0; i < a.operand_count; ++i) {
    const ZydisDecodedOperand &x = ao[i], &y = bo[i];
    if (x.type != y.type || x.size != y.size) return false;
    switch (x.type) {
      case ZYDIS_OPERAND_TYPE_REGISTER:
        if (x.reg.value != y.reg.value) return false;
        break;
      case ZYDIS_OPERAND_TYPE_MEMORY:
        if (x.mem.base != y.mem.base || x.mem.index != y.mem.index || x.mem.scale != y.mem.scale ||
            x.mem.disp.value != y.mem.disp.value)
          return false;
        break;
      case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        if (x.imm.value.u != y.imm.value.u) return false;
        break;
      default:
        break;
    }
  }
  return true;
}
uint32_t features_of(const ZydisDecodedInstruction& zi, const ZydisDecodedOperand* ops) {
  uint32_t f = 0;
  const auto has = [&](uint64_t a) { return (zi.attributes & a) != 0; };
  if (has(ZYDIS_ATTRIB_HAS_LOCK)) f |= kFeatLock;
  const bool string = zi.meta.category == ZYDIS_CATEGORY_STRINGOP;
  if (string && has(ZYDIS_ATTRIB_HAS_REP)) f |= kFeatRep;
  if (string && has(ZYDIS_ATTRIB_HAS_REPE)) f |= kFeatRepe;
  if (string && has(ZYDIS_ATTRIB_HAS_REPNE)) f |= kFeatRepne;
  if (has(ZYDIS_ATTRIB_HAS_SEGMENT_FS)) f |= kFeatSegFs;
  if (has(ZYDIS_ATTRIB_HAS_SEGMENT_GS)) f |= kFeatSegGs;
  if (has(ZYDIS_ATTRIB_HAS_OPERANDSIZE)) f |= kFeatOpsize66;
  switch (zi.operand_width) {
    case 8: f |= kFeatOsize8; break;
    case 16: f |= kFeatOsize16; break;
    case 32: f |= kFeatOsize32; break;
    case 64: f |= kFeatOsize64; break;
    default: break;
  }
  bool memory = false;
  for (int i = 0; i < zi.operand_count; ++i) {
    const ZydisDecodedOperand& o = ops[i];
    if (o.type == ZYDIS_OPERAND_TYPE_REGISTER) {
      const ZydisRegister r = o.reg.value;
      if (r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH || r == ZYDIS_REGISTER_BH)
        f |= kFeatHighByte;
      if ((r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_DIL) || (r >= ZYDIS_REGISTER_R8B && r <= ZYDIS_REGISTER_R15B))
        f |= kFeatRexByte;
    }
    if (o.type != ZYDIS_OPERAND_TYPE_MEMORY || o.mem.type != ZYDIS_MEMOP_TYPE_MEM) continue;
    memory = true;
    if (o.visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT) continue;
    const bool rip = o.mem.base == ZYDIS_REGISTER_RIP || o.mem.base == ZYDIS_REGISTER_EIP;
    const bool base = o.mem.base != ZYDIS_REGISTER_NONE && !rip;
    const bool index = o.mem.index != ZYDIS_REGISTER_NONE;
    if (rip) f |= kFeatRipRel;
    else if (!base && !index) f |= kFeatAbsolute;
    else if (!base) f |= kFeatIndexOnly;
    else if (index) f |= kFeatBaseIndex;
    else f |= kFeatBaseOnly;
    if (index) {
      f |= o.mem.scale == 8   ? kFeatScale8
           : o.mem.scale == 4 ? kFeatScale4
           : o.mem.scale == 2 ? kFeatScale2
                              : kFeatScale1;
    }
  }
  if (memory) {
    f |= kFeatMemory;
    if (zi.address_width == 32) f |= kFeatAddr32;
  }
  if (zi.raw.disp.size == 8) f |= kFeatDisp8;
  if (zi.raw.disp.size == 32) f |= kFeatDisp32;
  if (!(zi.meta.category == ZYDIS_CATEGORY_COND_BR || zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
        zi.meta.category == ZYDIS_CATEGORY_CALL)) {
    switch (zi.raw.imm[0].size) {
      case 8: f |= kFeatImm8; break;
      case 16: f |= kFeatImm16; break;
      case 32: f |= kFeatImm32; break;
      case 64: f |= kFeatImm64; break;
      default: break;
    }
  }
  if (zi.raw.disp.size == 64) f |= kFeatImm64;  // moffs64
  return f;
}

}  // namespace

bool decode(const uint8_t* b, size_t n, ZydisDecodedInstruction& zi, ZydisDecodedOperand* ops) {
  return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder(), b, n, &zi, ops));
}

// --- Req ------------------------------------------------------------------------

Req::Req(ZydisMnemonic mn) {
  std::memset(&z, 0, sizeof z);
  z.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
  z.mnemonic = mn;
}
Req& Req::r(ZydisRegister reg) {
  ZydisEncoderOperand& o = z.operands[z.operand_count++];
  o.type = ZYDIS_OPERAND_TYPE_REGISTER;
  o.reg.value = reg;
  return *this;
}
Req& Req::i(int64_t v) {
  ZydisEncoderOperand& o = z.operands[z.operand_count++];
  o.type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
  o.imm.s = v;
  return *this;
}
Req& Req::m(const MemOp& mm) {
  ZydisEncoderOperand& o = z.operands[z.operand_count++];
  o.type = ZYDIS_OPERAND_TYPE_MEMORY;
  o.mem.base = mm.rip ? (mm.a32 ? ZYDIS_REGISTER_EIP : ZYDIS_REGISTER_RIP) : mm.base;
  o.mem.index = mm.index;
  o.mem.scale = mm.index == ZYDIS_REGISTER_NONE ? 0 : mm.scale;
  o.mem.displacement = mm.rip ? 0 : mm.disp;
  o.mem.size = mm.size;
  z.prefixes |= mm.seg;
  mem = mm;
  return *this;
}
Req& Req::pfx(ZydisInstructionAttributes a) {
  z.prefixes |= a;
  return *this;
}
Req& Req::branch(ZydisBranchWidth w) {
  z.branch_type = w == ZYDIS_BRANCH_WIDTH_8 ? ZYDIS_BRANCH_TYPE_SHORT : ZYDIS_BRANCH_TYPE_NEAR;
  z.branch_width = w;
  return i(0);
}
Req& Req::osize(ZydisOperandSizeHint h) {
  z.operand_size_hint = h;
  return *this;
}
Req& Req::asize(ZydisAddressSizeHint h) {
  z.address_size_hint = h;
  return *this;
}

// --- Emission ---------------------------------------------------------------------------

bool Gen::encode(Req& q, std::vector<uint8_t>& out) {
  uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
  ZyanUSize len = sizeof buf;
  if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&q.z, buf, &len))) return false;
  out.assign(buf, buf + len);
  return true;
}

// kind 1: an ignored segment prefix (CS/DS/ES/SS in 64-bit mode) in front;
// kind 2: an empty REX prefix before the opcode. Returns 'in' when the
// prefix would change the instruction.
std::vector<uint8_t> Gen::add_redundant(const std::vector<uint8_t>& in, int kind) {
  ZydisDecodedInstruction zi, zj;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT], opj[ZYDIS_MAX_OPERAND_COUNT];
  if (in.size() >= 15 || !decode(in.data(), in.size(), zi, ops)) return in;
  if (zi.attributes & (ZYDIS_ATTRIB_HAS_VEX | ZYDIS_ATTRIB_HAS_EVEX | ZYDIS_ATTRIB_HAS_XOP)) return in;
  std::vector<uint8_t> out;
  if (kind == 1) {
    if (zi.attributes & (ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS)) return in;
    static const uint8_t kSeg[] = {0x2E, 0x3E, 0x26, 0x36};
    out.push_back(pick(kSeg));
    out.insert(out.end(), in.begin(), in.end());
  } else {
    if (zi.attributes & ZYDIS_ATTRIB_HAS_REX) return in;
    if (zi.mnemonic == ZYDIS_MNEMONIC_NOP || zi.mnemonic == ZYDIS_MNEMONIC_PAUSE ||
        zi.mnemonic == ZYDIS_MNEMONIC_XCHG || zi.mnemonic == ZYDIS_MNEMONIC_ENDBR64)
      return in;
    for (int k = 0; k < zi.operand_count; ++k) {
      const ZydisRegister r = ops[k].reg.value;
      if (ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
          (r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH || r == ZYDIS_REGISTER_BH))
        return in;
    }
    out = in;
    out.insert(out.begin() + zi.raw.prefix_count, 0x40);
  }
  if (!decode(out.data(), out.size(), zj, opj) || zj.length != out.size() || !same_semantics(zi, ops, zj, opj))
    return in;
  return out;
}

bool Gen::emit(Req& q, const EmitOpt& o) {
  int redundant = 0;
  if (o.redundant && !o.fixup) {
    if (chance(0.03)) redundant = 1;
    else if (chance(0.03)) redundant = 2;
  }
  const bool rip = q.mem && q.mem->rip && o.ref != kRefRipDisp;
  // RIP-relative: the displacement depends on the length, which does not
  // depend on the displacement (always 32 bits).
  std::vector<uint8_t> b;
  if (!encode(q, b)) return false;
  if (redundant) {
    auto r = add_redundant(b, redundant);
    if (r.size() == b.size()) redundant = 0;
    else b = std::move(r);
  }
  if (rip) {
    const uint64_t next = here() + b.size();
    const uint64_t want = q.mem->rip_ea;
    int64_t disp;
    if (q.mem->a32) {
      disp = static_cast<int32_t>(static_cast<uint32_t>(want - next));
    } else {
      disp = static_cast<int64_t>(want - next);
      if (!fits_i32(disp)) return false;
    }
    for (int k = 0; k < q.z.operand_count; ++k)
      if (q.z.operands[k].type == ZYDIS_OPERAND_TYPE_MEMORY) q.z.operands[k].mem.displacement = disp;
    std::vector<uint8_t> b2;
    if (!encode(q, b2)) return false;
    if (redundant == 1) {
      b2.insert(b2.begin(), b[0]);
    } else if (redundant == 2) {
      ZydisDecodedInstruction zi;
      ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
      if (!decode(b2.data(), b2.size(), zi, ops)) return false;
      b2.insert(b2.begin() + zi.raw.prefix_count, 0x40);
    }
    if (b2.size() != b.size()) return false;
    b = std::move(b2);
  }
  return commit(std::move(b), o, redundant != 0);
}

bool Gen::emit_raw(std::vector<uint8_t> bytes, const EmitOpt& o) { return commit(std::move(bytes), o, false); }

bool Gen::commit(std::vector<uint8_t> b, const EmitOpt& o, bool redundant) {
  if (b.empty() || b.size() > 15 || code_.size() + b.size() + 32 > kCodeSize) return false;
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!decode(b.data(), b.size(), zi, ops) || zi.length != b.size()) return false;
  const bool sse = zi.meta.category != ZYDIS_CATEGORY_STRINGOP &&
                   (zi.mnemonic == ZYDIS_MNEMONIC_MOVSD || zi.mnemonic == ZYDIS_MNEMONIC_CMPSD);
  if (!o.fixup && !owner_.enabled(zi.mnemonic, sse)) return false;
  conflict_ = false;
  if (owner_.options().record_knowledge) {
    KnowledgeRecord& k = record_before_;
    k = KnowledgeRecord{};
    for (int r = 0; r < kNumGpr && !o.unknown_state; ++r) {
      if (!know[r].known) continue;
      k.known |= static_cast<uint16_t>(1u << r);
      k.lo[r] = know[r].lo;
      k.hi[r] = know[r].hi;
    }
    k.rsp = rsp;
  }
  bool rsp_written = false;
  for (int k = 0; k < zi.operand_count; ++k) {
    const ZydisDecodedOperand& op = ops[k];
    if (op.type != ZYDIS_OPERAND_TYPE_REGISTER || !(op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
    const int r = gpr_index(op.reg.value);
    if (r < 0) continue;
    if (r == RSP) rsp_written = true;
    else wrote(r);
  }
  if (zi.meta.category == ZYDIS_CATEGORY_STRINGOP) {
    // Zydis 4.0 does not list every implicit write of a string instruction
    // (cmps: neither RSI nor RDI).
    const char* n = ZydisMnemonicGetString(zi.mnemonic);
    if (n[0] != 's') wrote(RSI);       // movs, lods, cmps
    if (n[0] != 'l') wrote(RDI);       // movs, stos, scas, cmps
    if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) wrote(RCX);
  }
  if (rsp_written && !o.rsp_known) return false;  // a template bug: RSP must stay known
  if (o.rsp_known) {
    rsp = o.rsp_after;
    know[RSP] = Know::of(rsp, true);
  }
  if (zi.cpu_flags && (zi.cpu_flags->modified & ZYDIS_CPUFLAG_DF)) {
    wrote(kDfBit);
    df = -1;
  }
  if (conflict_) return false;

  const uint32_t off = offset();
  InsnMark mk;
  mk.offset = off;
  mk.mnemonic = static_cast<uint16_t>(zi.mnemonic);
  mk.sse = sse;
  mk.fixup = o.fixup;
  mk.features = features_of(zi, ops) | (redundant ? uint32_t{kFeatRedundant} : 0u);
  code_.insert(code_.end(), b.begin(), b.end());
  marks_.push_back(mk);
  if (owner_.options().record_knowledge) records_.push_back(record_before_);
  ++count_;

  if (o.label >= 0) {
    Ref r{};
    r.label = o.label;
    r.kind = o.ref;
    r.end = offset();
    if (o.ref == kRefRipDisp) {
      r.at = off + zi.raw.disp.offset;
      r.bytes = 4;
    } else {
      r.at = off + zi.raw.imm[0].offset;
      r.bytes = static_cast<uint8_t>(zi.raw.imm[0].size / 8);
    }
    if (r.bytes != 1 && r.bytes != 4) return false;
    refs_.push_back(r);
    if (labels_[r.label] >= 0) {
      // A backward reference: patch now.
      const int64_t v = labels_[r.label] - static_cast<int64_t>(r.end);
      if (r.bytes == 1 ? !fits_i8(v) : !fits_i32(v)) return false;
      for (int k = 0; k < r.bytes; ++k) code_[r.at + k] = static_cast<uint8_t>(v >> (8 * k));
      marks_.back().features |= kFeatBackward;
    }
  }
  // Flags the SDM leaves undefined may legitimately differ between the
  // engines, and lockstep.cpp compares every defined flag after each
  // instruction: set all of them again before anything can see them. The
  // same after BLSI, BEXTR and LOCK NEG, whose known Unicorn flag bugs
  // lockstep.cpp forgives without writing Unicorn's flags back.
  const uint64_t undefined = zi.cpu_flags ? zi.cpu_flags->undefined & 0x8D5 : 0;
  const bool lock_neg = zi.mnemonic == ZYDIS_MNEMONIC_NEG && (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK);
  if (!o.fixup && (undefined || lock_neg || zi.mnemonic == ZYDIS_MNEMONIC_BLSI || zi.mnemonic == ZYDIS_MNEMONIC_BEXTR))
    return redefine_flags();
  return true;
}

bool Gen::redefine_flags() {
  Req q(chance(0.5) ? ZYDIS_MNEMONIC_CMP : ZYDIS_MNEMONIC_SUB);
  const int size = 4 << below(2);
  if (q.z.mnemonic == ZYDIS_MNEMONIC_SUB) {
    // sub r, r: zero, and all six flags defined.
    const int r = pick_reg(kWrite | kFixup);
    if (r < 0) return false;
    q.r(gpr(r, size)).r(gpr(r, size));
  } else {
    q.r(gpr(static_cast<int>(below(kNumGpr)), size));
    if (chance(0.5)) q.r(gpr(static_cast<int>(below(kNumGpr)), size));
    else q.i(imm(4));
  }
  return fix(q);
}

}  // namespace vmsim::difftest::rgen
