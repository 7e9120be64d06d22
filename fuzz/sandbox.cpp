#include "fuzz/sandbox.h"

#include <algorithm>
#include <cstring>

#include "core/flat_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "cpu/cpu.h"

namespace vmsim::fuzz {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A register value: edge cases, small numbers, pointers into the sandbox's
// regions (so loads, stores and self-modifying writes hit RAM), or noise.
uint64_t pick_value(uint64_t& rng, uint64_t code_start, uint64_t code_len) {
  static constexpr uint64_t kEdges[] = {0, 1, ~0ull, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                                        0xFFFFFFFF, 0x8000000000000000ull, 0x7FFFFFFFFFFFFFFFull,
                                        kRamBytes - 1, kRamBytes, 0x00007FFFFFFFF000ull};
  const uint64_t r = splitmix64(rng);
  const uint64_t v = r >> 8;
  switch (r & 7) {
    case 0: return kEdges[v % (sizeof kEdges / sizeof kEdges[0])];
    case 1: return v % 64;
    case 2: return kDataBase + v % kDataSize;
    case 3: return code_start + v % code_len;
    case 4: return kStackTop - 0x100 + v % 0x200;
    default: return splitmix64(rng);
  }
}

void copy_in(GuestRam& ram, uint64_t gpa, const uint8_t* p, size_t n) {
  while (n) {
    const size_t chunk = std::min<uint64_t>(n, kPageSize - (gpa & kPageMask));
    std::memcpy(ram.host_ptr(Gpa(gpa)), p, chunk);
    gpa += chunk;
    p += chunk;
    n -= chunk;
  }
}

}  // namespace

SandboxResult run_sandbox(const uint8_t* data, size_t size) {
  SandboxResult res;
  if (size < 2) return res;
  const uint8_t control = data[0];
  uint64_t rng = data[1];
  const uint8_t* code = data + 2;
  const size_t code_len = std::min<size_t>(size - 2, kCodeMax);

  HostMemory host(kRamBytes);
  GuestRam ram(host, kRamBytes);
  FlatMmu mmu(ram);
  cpu::NullPlatform platform;
  cpu::Cpu c(mmu, ram, platform);
  c.set_stop_on_exception(true);

  // Code: at the start of its page, or 1..16 bytes before the page's end.
  // Around it, hlt: execution that runs off the input's end stops there
  // (hlt halts, or raises #UD while it is unimplemented) instead of spending
  // the budget on zero bytes (add [rax], al).
  const uint64_t code_start = kCodeBase + ((control & 0x80) ? kPageSize - 1 - (control & 15) : 0);
  for (uint64_t a = kCodeBase; a < kCodeBase + kCodeMax + kPageSize; a += kPageSize)
    std::memset(ram.host_ptr(Gpa(a)), 0xF4, kPageSize);
  copy_in(ram, code_start, code, code_len);
  uint8_t pattern[kDataSize];
  for (size_t i = 0; i < kDataSize; ++i) pattern[i] = static_cast<uint8_t>(splitmix64(rng));
  copy_in(ram, kDataBase, pattern, kDataSize);

  switch ((control >> 5) & 3) {
    case 2: c.s.mode = cpu::CpuMode::Compat32; break;
    case 3: c.s.mode = cpu::CpuMode::Prot32; break;
    default: c.s.mode = cpu::CpuMode::Long64; break;
  }
  c.s.refresh_seg_bases();
  const uint64_t span = std::max<uint64_t>(code_len, 1);
  for (int i = 0; i < 16; ++i) c.s.r[i] = pick_value(rng, code_start, span);
  c.s.r[cpu::RSP] = kStackTop;
  c.s.r[cpu::R15] = kDataBase + 0x100;
  c.s.rip() = code_start;
  // Random arithmetic flags, and DF now and then (string direction).
  c.s.rflags = cpu::fl::Reserved1 | (splitmix64(rng) & (cpu::fl::kArith | cpu::fl::DF));
  for (auto& x : c.s.xmm)
    for (int q = 0; q < 2; ++q) x.set<uint64_t>(q, pick_value(rng, code_start, span));

  const uint64_t code_end = code_start + code_len;
  while (res.instructions < kBudget && res.exceptions < kMaxExceptions) {
    const uint64_t before = c.instructions();
    const cpu::RunResult r = c.run(kBudget - res.instructions);
    res.instructions += c.instructions() - before;
    if (r.reason != cpu::StopReason::Exception) break;
    ++res.exceptions;
    // Resume on the next byte while the fault is inside the input's code;
    // elsewhere there is nothing of the input left to explore.
    const uint64_t rip = c.s.rip();
    if (rip < code_start || rip + 1 >= code_end) break;
    c.s.rip() = rip + 1;
  }
  res.decoded = c.stats().decoded;
  return res;
}

}  // namespace vmsim::fuzz
