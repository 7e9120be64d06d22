// Running one GuestSetup in vmsim's interpreter or in Unicorn, timed.
#pragma once
#include <cstdint>
#include <string>

#include "bench/loops.h"

namespace vmsim::bench {

// The memory configuration vmsim runs under: the flat identity MMU (no
// paging), or native paging with 4 KiB pages identity-mapping the bench's
// RAM, where the loops' accesses are TLB hits once warm (the fast path plus
// the model TLB's LRU bookkeeping).
enum class MmuKind { Flat, Native };
const char* mmu_name(MmuKind k);

struct RunOutcome {
  double seconds = 0;        // wall time of the run alone (no setup)
  uint64_t instructions = 0; // retired, as the engine counted them or as expected
  FinalState state;
  std::string error;         // empty on success
};

// vmsim: FlatMmu, NullPlatform; instructions from Cpu::instructions().
RunOutcome run_vmsim(const GuestSetup& g, MmuKind mmu);

// Unicorn with no hooks (its fastest mode), stopped by its 'until' address;
// 'instructions' is the expected count from the loop structure.
RunOutcome run_unicorn(const GuestSetup& g);

// Unicorn with a per-instruction hook that counts what it executes: checks
// the loop-structure formula on a short run. Returns the count, or -1.
int64_t count_unicorn(const GuestSetup& g, std::string& error);

}  // namespace vmsim::bench
