// Lock-step differential execution of user-level x86-64 code in vmsim's
// interpreter and in Unicorn Engine (virtual = physical addresses). After
// every instruction it compares the general registers, RIP, the defined
// RFLAGS bits (Zydis says which flags an instruction leaves undefined), the
// XMM registers, MXCSR and the memory the instruction wrote. The first
// mismatch is reported with the bytes, the disassembly and both states.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

struct uc_struct;  // Unicorn's engine (uc_engine)

namespace vmsim::difftest {

// The guest address space both engines see: three regions, nothing else.
inline constexpr uint64_t kCodeBase = 0x10000;
inline constexpr uint64_t kCodeSize = 0x10000;
inline constexpr uint64_t kDataBase = 0x100000;
inline constexpr uint64_t kDataSize = 0x10000;
inline constexpr uint64_t kStackBase = 0x200000;
inline constexpr uint64_t kStackSize = 0x10000;
inline constexpr uint64_t kStackTop = kStackBase + kStackSize / 2;  // room both ways

struct MachineState {
  uint64_t gpr[16] = {};
  uint64_t rip = kCodeBase;
  uint64_t rflags = 0x2;
  uint8_t xmm[16][16] = {};
  uint32_t mxcsr = 0x1F80;
  uint16_t fpu_cw = 0x037F;
  uint64_t fs_base = 0;
  uint64_t gs_base = 0;
};

struct Program {
  std::vector<uint8_t> code;  // placed at kCodeBase
  std::vector<uint8_t> data;  // placed at kDataBase (zero-filled to kDataSize)
  MachineState init;          // rip defaults to kCodeBase, rsp is set if zero
};

struct Options {
  uint64_t max_instructions = 1000;
  bool compare_xmm = true;
  // Stop (successfully) when RIP reaches the end of the code.
  bool stop_at_code_end = true;
  // If set, receives the address of every instruction both engines executed
  // and agreed on, in order (coverage statistics).
  std::vector<uint64_t>* retired = nullptr;
};

struct Outcome {
  bool ok = true;
  uint64_t executed = 0;    // instructions both engines retired and agreed on
  std::string mismatch;     // first disagreement, human-readable
  int exception = -1;       // vector both engines raised at the end, or -1
  uint64_t rip = 0;         // address of the instruction that disagreed or faulted
};

Outcome run_lockstep(const Program& p, const Options& o = {});

// For an instruction Unicorn 2.0.1 cannot execute (POPCNT), called from a
// code hook at 'rip': executes it on Unicorn's state as the SDM defines it
// and moves Unicorn's RIP past it. Returns false when 'rip' holds no such
// instruction.
bool step_over_unsupported(::uc_struct* uc, uint64_t rip);

// Convenience for directed tests: run 'code' from 'init' and compare.
Outcome run_bytes(const std::vector<uint8_t>& code, const MachineState& init,
                  uint64_t max_instructions = 1000);

}  // namespace vmsim::difftest
