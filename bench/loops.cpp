#include "bench/loops.h"

#include <cinttypes>
#include <cstdio>
#include <stdexcept>

extern "C" const uint8_t bench_alu_start[], bench_alu_end[];
extern "C" const uint8_t bench_lcg_start[], bench_lcg_end[];
extern "C" const uint8_t bench_loadstore_start[], bench_loadstore_end[];

namespace vmsim::bench {

namespace {

enum : int { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

GuestSetup base_setup(const uint8_t* start, const uint8_t* end) {
  GuestSetup g;
  g.code.assign(start, end);
  // Every loop ends with ud2 (0F 0B), the stop address.
  if (g.code.size() < 2 || g.code[g.code.size() - 2] != 0x0F || g.code.back() != 0x0B)
    throw std::logic_error("bench loop does not end with ud2");
  if (g.code.size() > kCodeSize) throw std::logic_error("bench loop too large");
  g.stop_rip = kCodeBase + g.code.size() - 2;
  g.gpr[RSP] = kStackBase + kStackSize / 2;
  g.gpr[R15] = kDataBase;
  // A fixed, non-trivial buffer pattern.
  g.data.resize(kDataSize);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < kDataSize; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g.data[i] = static_cast<uint8_t>(x);
  }
  return g;
}

GuestSetup setup_alu(uint64_t n) {
  GuestSetup g = base_setup(bench_alu_start, bench_alu_end);
  g.gpr[RAX] = 0x0123456789ABCDEFull;
  g.gpr[RDX] = 0x0F1E2D3C4B5A6978ull;
  g.gpr[RSI] = 1;
  g.gpr[RDI] = 2;
  g.gpr[RCX] = n;
  g.instructions = 6 * n;
  return g;
}

GuestSetup setup_lcg(uint64_t n) {
  GuestSetup g = base_setup(bench_lcg_start, bench_lcg_end);
  g.gpr[RAX] = 42;                       // seed
  g.gpr[RSI] = 1442695040888963407ull;   // c, odd (Knuth's MMIX increment)
  g.gpr[RBX] = 0;                        // checksum
  g.gpr[RCX] = n;
  g.instructions = 7 * n;
  return g;
}

GuestSetup setup_loadstore(uint64_t passes) {
  GuestSetup g = base_setup(bench_loadstore_start, bench_loadstore_end);
  g.gpr[RDI] = 0x0101010101010101ull;  // added to every qword per pass
  g.gpr[RCX] = passes;
  constexpr uint64_t kQwords = kDataSize / 8;
  g.instructions = passes * (4 + 6 * kQwords);
  return g;
}

// Iterations at --scale 1, chosen so that a vmsim run takes about a second
// at 100 MIPS and the whole benchmark stays well under 30 s.
constexpr Loop kLoops[] = {
    {"alu", "add/xor/dec/jnz register chain", 20'000'000, setup_alu},
    {"lcg", "x = 45x + c via lea, checksum", 16'000'000, setup_lcg},
    {"loadstore", "load/add/store over 64 KiB", 2'000, setup_loadstore},
};

}  // namespace

std::span<const Loop> loops() { return kLoops; }

std::string compare_states(const FinalState& a, const FinalState& b) {
  static const char* const kNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  std::string out;
  char buf[128];
  for (int i = 0; i < 16; ++i) {
    if (a.gpr[i] == b.gpr[i]) continue;
    std::snprintf(buf, sizeof buf, "%s: vmsim %#" PRIx64 ", unicorn %#" PRIx64 "; ", kNames[i], a.gpr[i],
                  b.gpr[i]);
    out += buf;
  }
  if (a.rip != b.rip) {
    std::snprintf(buf, sizeof buf, "rip: vmsim %#" PRIx64 ", unicorn %#" PRIx64 "; ", a.rip, b.rip);
    out += buf;
  }
  if (a.data != b.data) out += "data buffer differs; ";
  return out;
}

}  // namespace vmsim::bench
