// What an instruction group's binder sees while decoding: Zydis' full decode
// of one instruction, plus helpers. A binder picks the handler for the
// operand form and fills what the handler needs; the decoder has already
// filled the generic fields of Insn (length, operand size, the first memory
// operand, the first immediate, the general-register operands).
// Zydis types never leave decoding: Insn is what gets cached.
#pragma once
#include <Zydis/Zydis.h>

#include "cpu/insn.h"

namespace vmsim::cpu {

struct DecodeCtx {
  const ZydisDecodedInstruction& zi;
  const ZydisDecodedOperand* op;  // ZYDIS_MAX_OPERAND_COUNT entries
  CpuMode mode;

  int nvis() const { return zi.operand_count_visible; }
  bool is_reg(int i) const { return i < nvis() && op[i].type == ZYDIS_OPERAND_TYPE_REGISTER; }
  bool is_gpr(int i) const;
  bool is_xmm(int i) const;
  bool is_mem(int i) const { return i < nvis() && op[i].type == ZYDIS_OPERAND_TYPE_MEMORY; }
  bool is_imm(int i) const { return i < nvis() && op[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE; }
  // Operand width in bytes.
  int bytes(int i) const { return op[i].size / 8; }
  // Byte offset of a general register operand in CpuState::r (AH is 1).
  uint8_t gpr(int i) const { return gpr_offset(op[i].reg.value); }
  uint8_t xmm(int i) const;
  bool has(uint64_t attribute) const { return (zi.attributes & attribute) != 0; }

  static uint8_t gpr_offset(ZydisRegister r);
  static uint8_t reg_index(ZydisRegister r);  // 0..15 for a general register
};

using Binder = bool (*)(const DecodeCtx&, Insn&);

// Handlers shared by every group.
void op_unimplemented(Cpu& c, const Insn& d);  // valid but not implemented: #UD, counted
void op_invalid(Cpu& c, const Insn& d);        // not a valid encoding: #UD

// Returns the handler for a size in bytes from a family templated on it.
template <template <int> class H>
Handler by_size(int bytes) {
  switch (bytes) {
    case 1: return H<1>::fn;
    case 2: return H<2>::fn;
    case 4: return H<4>::fn;
    case 8: return H<8>::fn;
    default: return nullptr;
  }
}

}  // namespace vmsim::cpu
