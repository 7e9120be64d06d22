// The guest loops of vmsim_bench (bench/loops.S) and the machine state each
// starts from. Both engines get the same code, registers and data, and the
// benchmark checks that they end in the same state.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmsim::bench {

// Guest-physical layout, identity-mapped in both engines.
inline constexpr uint64_t kRamBytes = 4ull << 20;
inline constexpr uint64_t kCodeBase = 0x10000;
inline constexpr uint64_t kCodeSize = 0x1000;
inline constexpr uint64_t kDataBase = 0x100000;
inline constexpr uint64_t kDataSize = 0x10000;  // the 64 KiB buffer
inline constexpr uint64_t kStackBase = 0x200000;
inline constexpr uint64_t kStackSize = 0x10000;

// Everything one run needs: where it starts, where it must stop, and how many
// instructions it retires on the way (from the loop's structure).
struct GuestSetup {
  std::vector<uint8_t> code;  // placed at kCodeBase; entry is its first byte
  uint64_t gpr[16] = {};      // in encoding order (rax, rcx, ..., r15)
  std::vector<uint8_t> data;  // kDataSize bytes at kDataBase
  uint64_t stop_rip = 0;      // the final ud2: neither engine retires it
  uint64_t instructions = 0;  // retired from entry to stop_rip
};

struct Loop {
  const char* name;         // key in the JSON output
  const char* description;
  uint64_t iterations;      // at --scale 1
  GuestSetup (*setup)(uint64_t iterations);
};

// The three loops, in output order: alu, lcg, loadstore.
std::span<const Loop> loops();

// The final state of a run, compared between engines.
struct FinalState {
  uint64_t gpr[16] = {};
  uint64_t rip = 0;
  std::vector<uint8_t> data;
};

// "" when the states agree, else a description of the first differences.
std::string compare_states(const FinalState& vmsim, const FinalState& unicorn);

}  // namespace vmsim::bench
