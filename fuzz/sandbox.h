// The fuzzing sandbox: run arbitrary bytes as guest code in a small, bounded
// machine. Shared by the libFuzzer target (fuzz/cpu_fuzz.cpp) and the CI
// regression test that replays the corpus (tests/unit/fuzz_corpus_test.cpp).
//
// Input format:
//   byte 0   control: bit 7 places the code near the end of its first page
//            (bits 0..3 say how near), so instructions straddle pages;
//            bits 5..6 choose the mode (0, 1: 64-bit; 2: compatibility;
//            3: 32-bit protected)
//   byte 1   seed of the initial registers, flags and XMM state
//   rest     the code, copied to writable guest RAM (self-modifying code
//            works, and is exercised), surrounded by hlt bytes
//
// The machine: 1 MiB of RAM under the flat identity MMU (anything above it
// page-faults), a data page, a stack, and some registers pointing into the
// code. The CPU stops at each exception; the sandbox resumes at the next byte
// (up to kMaxExceptions times) so one input explores more than one fault.
// Everything is bounded by kBudget instructions.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vmsim::fuzz {

inline constexpr uint64_t kBudget = 10'000;
inline constexpr int kMaxExceptions = 16;

inline constexpr uint64_t kRamBytes = 1ull << 20;
inline constexpr uint64_t kCodeBase = 0x10000;
inline constexpr uint64_t kCodeMax = 0x20000;  // longer inputs are truncated
inline constexpr uint64_t kDataBase = 0x40000;
inline constexpr uint64_t kDataSize = 0x2000;
inline constexpr uint64_t kStackTop = 0x80000;

struct SandboxResult {
  uint64_t instructions = 0;  // retired
  int exceptions = 0;         // stops on a guest exception
  uint64_t decoded = 0;       // Zydis decodes (code cache misses)
};

// Runs one input; never throws. An input shorter than the header runs nothing.
SandboxResult run_sandbox(const uint8_t* data, size_t size);

}  // namespace vmsim::fuzz
