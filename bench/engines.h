// Running one GuestSetup in vmsim's interpreter or in Unicorn, timed.
#pragma once
#include <cstdint>
#include <string>

#include "bench/loops.h"

namespace vmsim::bench {

// The memory configuration vmsim runs under. Only the flat identity MMU
// exists today; a paging variant (e.g. native mode with a loader-built page
// table, every access a TLB hit in the loop) is a new enumerator here plus
// its setup in run_vmsim().
enum class MmuKind { Flat };
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
