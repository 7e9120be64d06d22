// Shared by the instruction templates of the random stream generator
// (random_families_*.cpp): operand helpers and the family functions the
// template table (random_families_sse.cpp) and the fault templates use.
#pragma once
#include <vector>

#include "tests/diff/random_gen_internal.h"

namespace vmsim::difftest::rgen {

constexpr unsigned W = Gen::kWrite;

constexpr uint32_t bit(int r) { return 1u << r; }

inline ZydisOperandSizeHint osize_hint(int bytes) {
  switch (bytes) {
    case 1: return ZYDIS_OPERAND_SIZE_HINT_8;
    case 2: return ZYDIS_OPERAND_SIZE_HINT_16;
    case 4: return ZYDIS_OPERAND_SIZE_HINT_32;
    default: return ZYDIS_OPERAND_SIZE_HINT_64;
  }
}

inline bool decode1(const std::vector<uint8_t>& b, ZydisDecodedInstruction& zi, ZydisDecodedOperand* ops) {
  return decode(b.data(), b.size(), zi, ops);
}

inline std::vector<uint8_t> encode(Req& q) {
  uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
  ZyanUSize len = sizeof buf;
  if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&q.z, buf, &len))) return {};
  return std::vector<uint8_t>(buf, buf + len);
}

// A register or memory operand of 'size' bytes.
struct RM {
  bool is_mem = false;
  ZydisRegister reg = ZYDIS_REGISTER_NONE;
  MemOp m;
};
inline bool rm(Gen& g, int size, bool write, RM& out, double pmem = 0.4, MemSpec spec = {}) {
  if (g.chance(pmem)) {
    spec.size = size;
    spec.write = write;
    out.is_mem = true;
    return g.mem(spec, out.m);
  }
  out.reg = g.pick_gpr(size, write ? W : 0, spec.avoid);
  return out.reg != ZYDIS_REGISTER_NONE;
}
inline Req& add(Req& q, const RM& o) { return o.is_mem ? q.m(o.m) : q.r(o.reg); }

// Register-to-register forms also exist with the direction bit flipped
// The families (each emits one group; false: try another).
bool alu2(Gen&, ZydisMnemonic);
bool unary(Gen&, ZydisMnemonic);
bool mov(Gen&, ZydisMnemonic);
bool movx(Gen&, ZydisMnemonic);
bool lea(Gen&, ZydisMnemonic);
bool xchg(Gen&, ZydisMnemonic);
bool cmpxchg(Gen&, ZydisMnemonic);
bool cmpxchg_pair(Gen&, ZydisMnemonic);
bool xadd(Gen&, ZydisMnemonic);
bool bswap(Gen&, ZydisMnemonic);
bool push(Gen&, ZydisMnemonic);
bool pop(Gen&, ZydisMnemonic);
bool cmovcc(Gen&, ZydisMnemonic);
bool setcc(Gen&, ZydisMnemonic);
bool convert(Gen&, ZydisMnemonic);
bool mul(Gen&, ZydisMnemonic);
bool div(Gen&, ZydisMnemonic);
bool divide(Gen& g, ZydisMnemonic mn, bool fault);  // fault: a dividend that raises #DE
bool shift(Gen&, ZydisMnemonic);
bool shiftd(Gen&, ZydisMnemonic);
bool bittest(Gen&, ZydisMnemonic);
bool bitscan(Gen&, ZydisMnemonic);
bool bmi1(Gen&, ZydisMnemonic);
bool jcc(Gen&, ZydisMnemonic);
bool jmp(Gen&, ZydisMnemonic);
bool jrcxz(Gen&, ZydisMnemonic);
bool back_loop(Gen&, ZydisMnemonic);
bool loop(Gen&, ZydisMnemonic);
bool call(Gen&, ZydisMnemonic);
bool enter(Gen&, ZydisMnemonic);
bool leave(Gen&, ZydisMnemonic);
bool string_op(Gen&, ZydisMnemonic);
bool flag_op(Gen&, ZydisMnemonic);
bool pushf(Gen&, ZydisMnemonic);
bool popf(Gen&, ZydisMnemonic);
bool nop(Gen&, ZydisMnemonic);

}  // namespace vmsim::difftest::rgen
