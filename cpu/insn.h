// The compact decoded form of one instruction (STYLE habit 1: decode once,
// copy what execution needs out of Zydis, never cache Zydis' own structures).
#pragma once
#include <cstdint>

#include "cpu/state.h"

namespace vmsim::cpu {

inline constexpr unsigned kMaxInsnLen = 15;  // SDM Vol. 2, 2.3.11

class Cpu;
struct Insn;
using Handler = void (*)(Cpu&, const Insn&);

// Insn::flags
namespace insn_flag {
inline constexpr uint8_t kRep = 1;    // F3 on a string instruction (REP / REPE)
inline constexpr uint8_t kRepne = 2;  // F2 on a string instruction
inline constexpr uint8_t kLock = 4;
inline constexpr uint8_t kMem = 8;    // has a memory operand
}  // namespace insn_flag

struct Insn {
  Handler fn = nullptr;
  // Memory operand displacement; for relative branches the displacement from
  // the next instruction. Either is added at execution time, never folded
  // into an absolute address: a code page may be mapped at several virtual
  // addresses, and this record is cached per guest-physical page.
  int64_t disp = 0;
  uint64_t imm = 0;     // immediate, sign-extended to 64 bits where the ISA does
  uint8_t len = 0;      // instruction length in bytes
  uint8_t osize = 0;    // operand size in bytes (1, 2, 4, 8, 16)
  // Register operands. For general registers: the byte offset of the register
  // in CpuState::r, so AH is offset 1 and R9B offset 72. For XMM: the index.
  uint8_t dst = 0;      // register of operand 0
  uint8_t src = 0;      // register of operand 1 (or 2 for three-register forms)
  // Memory operand: EA = disp + r[base] + (r[index] << scale), truncated to
  // the address size by shifting left and right by 'ashift', plus the
  // segment base seg_base[seg].
  uint8_t base = kZero;
  uint8_t index = kZero;
  uint8_t scale = 0;
  uint8_t seg = kSegNone;
  uint8_t ashift = 0;   // 0 for 64-bit addresses, 32 for 32-bit, 48 for 16-bit
  uint8_t flags = 0;    // insn_flag bits
  uint8_t aux = 0;      // handler-specific (condition code, sub-operation, count)
  uint8_t aux2 = 0;
  uint16_t op = 0;      // ZydisMnemonic, for statistics and diagnostics
  uint16_t imm2 = 0;    // second immediate (enter's nesting level)
};
static_assert(sizeof(Insn) <= 48, "keep the decoded record compact");

}  // namespace vmsim::cpu
