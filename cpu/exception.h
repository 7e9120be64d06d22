// Guest exceptions. An instruction that faults throws GuestException from
// wherever it detects the fault (usually deep in a memory access); the run
// loop catches it, rolls RIP back to the faulting instruction and delivers
// it. Nothing the instruction wrote is visible: handlers do every access
// that can fault before they change architectural state.
#pragma once
#include <cstdint>

namespace vmsim::cpu {

enum Vector : uint8_t {
  kDE = 0,   // divide error
  kDB = 1,
  kNMI = 2,
  kBP = 3,   // int3
  kOF = 4,
  kBR = 5,
  kUD = 6,   // invalid opcode
  kNM = 7,
  kDF = 8,   // double fault
  kTS = 10,
  kNP = 11,
  kSS = 12,
  kGP = 13,  // general protection
  kPF = 14,  // page fault
  kMF = 16,
  kAC = 17,
  kMC = 18,
  kXM = 19,  // SIMD floating-point
};

struct GuestException {
  uint8_t vector = 0;
  bool has_error = false;
  uint32_t error = 0;
  uint64_t cr2 = 0;  // faulting linear address, for #PF
  bool trap = false; // a trap (int3, int n): RIP stays after the instruction
};

[[noreturn]] inline void raise(uint8_t vector) { throw GuestException{vector, false, 0, 0}; }
[[noreturn]] inline void raise(uint8_t vector, uint32_t error) {
  throw GuestException{vector, true, error, 0};
}
[[noreturn]] inline void raise_trap(uint8_t vector) {
  throw GuestException{vector, false, 0, 0, true};
}
[[noreturn]] inline void raise_pf(uint64_t addr, uint32_t error) {
  throw GuestException{kPF, true, error, addr};
}

}  // namespace vmsim::cpu
