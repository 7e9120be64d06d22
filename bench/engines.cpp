#include "bench/engines.h"

#include <unicorn/unicorn.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "core/flat_mmu.h"
#include "core/native_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "cpu/cpu.h"

namespace vmsim::bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// --- vmsim -------------------------------------------------------------------

struct VmsimMachine {
  HostMemory host{kRamBytes * 2};
  GuestRam ram{host, kRamBytes};
  std::unique_ptr<Mmu> mmu;
  cpu::NullPlatform platform;
  std::unique_ptr<cpu::Cpu> cpu;

  explicit VmsimMachine(MmuKind kind) {
    switch (kind) {
      case MmuKind::Flat: mmu = std::make_unique<FlatMmu>(ram); break;
      case MmuKind::Native: mmu = std::make_unique<NativeMmu>(ram, /*pwc=*/true); break;
    }
    cpu = std::make_unique<cpu::Cpu>(*mmu, ram, platform);
    cpu->set_stop_on_exception(true);
    if (kind == MmuKind::Native) enable_paging();
  }

  // 4-level tables at 3 MiB identity-mapping the bench's 4 MiB of RAM with
  // 4 KiB supervisor pages, then long-mode paging on (as a kernel would).
  void enable_paging() {
    constexpr uint64_t kPml4 = 0x300000, kPdpt = 0x301000, kPd = 0x302000, kPt = 0x303000;
    auto put = [&](uint64_t gpa, uint64_t v) { std::memcpy(ram.host_ptr(Gpa(gpa)), &v, 8); };
    put(kPml4, kPdpt | 3);
    put(kPdpt, kPd | 3);
    for (uint64_t i = 0; i < kRamBytes / (2ull << 20); ++i) put(kPd + 8 * i, (kPt + i * kPageSize) | 3);
    for (uint64_t p = 0; p < kRamBytes / kPageSize; ++p) put(kPt + 8 * p, (p << kPageShift) | 3);
    cpu->s.efer = 0xD00;      // LME | LMA | NXE
    cpu->s.cr4 = 0xA0;        // PAE | PGE
    cpu->s.cr3 = kPml4;
    cpu->s.cr0 = 0x80010001;  // PE | WP | PG
    cpu->flush_fast_tlb();
  }

  void write(uint64_t gpa, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n;) {
      const uint64_t a = gpa + i;
      const size_t chunk = std::min<size_t>(n - i, kPageSize - (a & kPageMask));
      std::memcpy(ram.host_ptr(Gpa(a)), p + i, chunk);
      i += chunk;
    }
  }
  void read(uint64_t gpa, uint8_t* p, size_t n) {
    for (size_t i = 0; i < n;) {
      const uint64_t a = gpa + i;
      const size_t chunk = std::min<size_t>(n - i, kPageSize - (a & kPageMask));
      std::memcpy(p + i, ram.host_ptr(Gpa(a)), chunk);
      i += chunk;
    }
  }
};

// --- Unicorn -----------------------------------------------------------------

const int kUcGpr[16] = {UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
                        UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
                        UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                        UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};

struct UcEngine {
  uc_engine* uc = nullptr;
  std::string error;

  explicit UcEngine(const GuestSetup& g) {
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) {
      uc = nullptr;
      error = "uc_open failed";
      return;
    }
    uc_mem_map(uc, kCodeBase, kCodeSize, UC_PROT_ALL);
    uc_mem_map(uc, kDataBase, kDataSize, UC_PROT_ALL);
    uc_mem_map(uc, kStackBase, kStackSize, UC_PROT_ALL);
    uc_mem_write(uc, kCodeBase, g.code.data(), g.code.size());
    uc_mem_write(uc, kDataBase, g.data.data(), g.data.size());
    for (int i = 0; i < 16; ++i) uc_reg_write(uc, kUcGpr[i], &g.gpr[i]);
    const uint64_t rflags = 2;
    uc_reg_write(uc, UC_X86_REG_RFLAGS, &rflags);
  }
  ~UcEngine() {
    if (uc) uc_close(uc);
  }
  UcEngine(const UcEngine&) = delete;
  UcEngine& operator=(const UcEngine&) = delete;

  bool start(const GuestSetup& g) {
    const uc_err err = uc_emu_start(uc, kCodeBase, g.stop_rip, 0, 0);
    if (err != UC_ERR_OK) {
      error = std::string("uc_emu_start: ") + uc_strerror(err);
      return false;
    }
    return true;
  }

  FinalState state() {
    FinalState s;
    for (int i = 0; i < 16; ++i) uc_reg_read(uc, kUcGpr[i], &s.gpr[i]);
    uc_reg_read(uc, UC_X86_REG_RIP, &s.rip);
    s.data.resize(kDataSize);
    uc_mem_read(uc, kDataBase, s.data.data(), kDataSize);
    return s;
  }
};

}  // namespace

const char* mmu_name(MmuKind k) {
  switch (k) {
    case MmuKind::Flat: return "flat";
    case MmuKind::Native: return "native";
  }
  return "?";
}

RunOutcome run_vmsim(const GuestSetup& g, MmuKind kind) {
  RunOutcome out;
  VmsimMachine m(kind);
  m.write(kCodeBase, g.code.data(), g.code.size());
  m.write(kDataBase, g.data.data(), g.data.size());
  cpu::Cpu& c = *m.cpu;
  for (int i = 0; i < 16; ++i) c.s.r[i] = g.gpr[i];
  c.s.rip() = kCodeBase;

  // One more than expected: the run must end on the final ud2, not by budget.
  const auto t0 = Clock::now();
  const cpu::RunResult r = c.run(g.instructions + 1);
  out.seconds = seconds_since(t0);

  out.instructions = c.instructions();
  for (int i = 0; i < 16; ++i) out.state.gpr[i] = c.s.r[i];
  out.state.rip = c.s.rip();
  out.state.data.resize(kDataSize);
  m.read(kDataBase, out.state.data.data(), kDataSize);
  if (r.reason != cpu::StopReason::Exception || r.exception.vector != cpu::kUD || c.s.rip() != g.stop_rip)
    out.error = "vmsim did not stop at the final ud2";
  else if (out.instructions != g.instructions)
    out.error = "vmsim retired " + std::to_string(out.instructions) + " instructions, the loop structure says " +
                std::to_string(g.instructions);
  return out;
}

RunOutcome run_unicorn(const GuestSetup& g) {
  RunOutcome out;
  UcEngine e(g);
  if (!e.error.empty()) {
    out.error = e.error;
    return out;
  }
  const auto t0 = Clock::now();
  const bool ok = e.start(g);
  out.seconds = seconds_since(t0);
  out.instructions = g.instructions;
  out.state = e.state();
  if (!ok) out.error = e.error;
  else if (out.state.rip != g.stop_rip) out.error = "unicorn did not stop at the final ud2";
  return out;
}

int64_t count_unicorn(const GuestSetup& g, std::string& error) {
  UcEngine e(g);
  if (!e.error.empty()) {
    error = e.error;
    return -1;
  }
  int64_t count = 0;
  uc_hook h;
  auto on_code = +[](uc_engine*, uint64_t, uint32_t, void* user) { ++*static_cast<int64_t*>(user); };
  uc_hook_add(e.uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(on_code), &count, 1, 0);
  if (!e.start(g)) {
    error = e.error;
    return -1;
  }
  return count;
}

}  // namespace vmsim::bench
