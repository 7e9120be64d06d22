#include "cpu/decoder.h"

#include <array>
#include <string>

#include "cpu/cpu.h"
#include "cpu/decode_ctx.h"
#include "cpu/insn_table.h"

namespace vmsim::cpu {

uint8_t DecodeCtx::reg_index(ZydisRegister r) {
  const ZyanI8 id = ZydisRegisterGetId(r);
  if (ZydisRegisterGetClass(r) == ZYDIS_REGCLASS_GPR8 && id >= 8) return id - 4;  // SPL.., R8B..
  return static_cast<uint8_t>(id);
}

uint8_t DecodeCtx::gpr_offset(ZydisRegister r) {
  const ZyanI8 id = ZydisRegisterGetId(r);
  if (ZydisRegisterGetClass(r) == ZYDIS_REGCLASS_GPR8) {
    if (id >= 4 && id < 8) return (id - 4) * 8 + 1;  // AH, CH, DH, BH: byte 1 of RAX..RBX
    if (id >= 8) return (id - 4) * 8;                // SPL..DIL, R8B..R15B
  }
  return static_cast<uint8_t>(id * 8);
}

bool DecodeCtx::is_gpr(int i) const {
  if (!is_reg(i)) return false;
  switch (ZydisRegisterGetClass(op[i].reg.value)) {
    case ZYDIS_REGCLASS_GPR8:
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32:
    case ZYDIS_REGCLASS_GPR64:
      return true;
    default:
      return false;
  }
}

bool DecodeCtx::is_xmm(int i) const {
  return is_reg(i) && ZydisRegisterGetClass(op[i].reg.value) == ZYDIS_REGCLASS_XMM;
}

uint8_t DecodeCtx::xmm(int i) const { return static_cast<uint8_t>(ZydisRegisterGetId(op[i].reg.value)); }

void op_unimplemented(Cpu& c, const Insn& d) { c.raise_unimplemented(d); }
void op_invalid(Cpu&, const Insn&) { raise(kUD); }

namespace {

constexpr ZydisMachineMode kZydisMode[3] = {ZYDIS_MACHINE_MODE_LEGACY_32,
                                            ZYDIS_MACHINE_MODE_LONG_COMPAT_32,
                                            ZYDIS_MACHINE_MODE_LONG_64};
constexpr ZydisStackWidth kStackWidth[3] = {ZYDIS_STACK_WIDTH_32, ZYDIS_STACK_WIDTH_32,
                                            ZYDIS_STACK_WIDTH_64};

uint8_t seg_of(ZydisRegister r) {
  switch (r) {
    case ZYDIS_REGISTER_ES: return ES;
    case ZYDIS_REGISTER_CS: return CS;
    case ZYDIS_REGISTER_SS: return SS;
    case ZYDIS_REGISTER_DS: return DS;
    case ZYDIS_REGISTER_FS: return FS;
    case ZYDIS_REGISTER_GS: return GS;
    default: return kSegNone;
  }
}

uint8_t addr_reg(ZydisRegister r) {
  if (r == ZYDIS_REGISTER_NONE) return kZero;
  if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP) return kRip;
  return DecodeCtx::reg_index(r);
}

uint8_t log2_scale(uint8_t s) { return s == 8 ? 3 : s == 4 ? 2 : s == 2 ? 1 : 0; }

void fill_memory(const ZydisDecodedOperand& o, uint8_t address_width, Insn& d) {
  d.flags |= insn_flag::kMem;
  d.base = addr_reg(o.mem.base);
  d.index = addr_reg(o.mem.index);
  d.scale = log2_scale(o.mem.scale);
  d.disp = o.mem.disp.value;
  // lea computes an address, never a segment-relative one.
  d.seg = o.mem.type == ZYDIS_MEMOP_TYPE_AGEN ? uint8_t{kSegNone} : seg_of(o.mem.segment);
  d.ashift = address_width == 64 ? 0 : address_width == 32 ? 32 : 48;
}

// Generic fields every binder can rely on.
void prefill(const DecodeCtx& z, Insn& d) {
  d.len = z.zi.length;
  d.op = static_cast<uint16_t>(z.zi.mnemonic);
  d.osize = z.zi.operand_width / 8;
  if (z.has(ZYDIS_ATTRIB_HAS_LOCK)) d.flags |= insn_flag::kLock;
  if (z.has(ZYDIS_ATTRIB_HAS_REP) || z.has(ZYDIS_ATTRIB_HAS_REPE)) d.flags |= insn_flag::kRep;
  if (z.has(ZYDIS_ATTRIB_HAS_REPNE)) d.flags |= insn_flag::kRepne;
  bool have_src = false, have_mem = false, have_imm = false;
  for (int i = 0; i < z.nvis(); ++i) {
    const ZydisDecodedOperand& o = z.op[i];
    if (z.is_gpr(i)) {
      if (i == 0) {
        d.dst = z.gpr(i);
      } else if (!have_src) {
        d.src = z.gpr(i);
        have_src = true;
      }
    } else if (o.type == ZYDIS_OPERAND_TYPE_MEMORY && !have_mem) {
      fill_memory(o, z.zi.address_width, d);
      have_mem = true;
    } else if (o.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
      if (o.imm.is_relative) {
        d.disp = o.imm.value.s;
      } else if (!have_imm) {
        d.imm = o.imm.value.u;
        have_imm = true;
      } else {
        d.imm2 = static_cast<uint16_t>(o.imm.value.u);
      }
    }
  }
}

bool is_bmi1(ZydisMnemonic m) {
  return m == ZYDIS_MNEMONIC_ANDN || m == ZYDIS_MNEMONIC_BEXTR || m == ZYDIS_MNEMONIC_BLSI ||
         m == ZYDIS_MNEMONIC_BLSMSK || m == ZYDIS_MNEMONIC_BLSR;
}

}  // namespace

Decoder::Decoder() {
  for (int m = 0; m < 3; ++m) ZydisDecoderInit(&dec_[m], kZydisMode[m], kStackWidth[m]);
}

bool Decoder::decode(const uint8_t* bytes, size_t avail, CpuMode mode, Insn& out) const {
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  const int m = static_cast<int>(mode);
  const ZyanStatus st = ZydisDecoderDecodeFull(&dec_[m], bytes, avail, &zi, ops);
  out = Insn{};
  if (st == ZYDIS_STATUS_NO_MORE_DATA && avail < kMaxInsnLen) return false;
  if (!ZYAN_SUCCESS(st)) {
    out.fn = op_invalid;  // len stays 0: the fault leaves RIP on the bytes
    return true;
  }
  DecodeCtx z{zi, ops, mode};
  prefill(z, out);
  const Binder b = binder_for(zi.mnemonic);
  // AVX and other extensions the CPU does not advertise are invalid opcodes;
  // of the VEX space only the BMI1 integer instructions exist (CPUID.7:EBX.3).
  const bool vex = z.has(ZYDIS_ATTRIB_HAS_VEX | ZYDIS_ATTRIB_HAS_EVEX | ZYDIS_ATTRIB_HAS_XOP |
                         ZYDIS_ATTRIB_HAS_MVEX);
  if (vex && !is_bmi1(zi.mnemonic)) {
    out.fn = op_invalid;
  } else if (!b || !b(z, out) || !out.fn) {
    out.fn = op_unimplemented;
  }
  return true;
}

std::string disassemble(const uint8_t* bytes, size_t avail, CpuMode mode, uint64_t rip) {
  ZydisDecoder dec;
  const int m = static_cast<int>(mode);
  ZydisDecoderInit(&dec, kZydisMode[m], kStackWidth[m]);
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, avail, &zi, ops))) return "(bad)";
  ZydisFormatter fmt;
  ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
  char buf[256];
  ZydisFormatterFormatInstruction(&fmt, &zi, ops, zi.operand_count_visible, buf, sizeof buf, rip,
                                  nullptr);
  return buf;
}

}  // namespace vmsim::cpu
