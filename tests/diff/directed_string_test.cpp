// Tests for the string and flags groups: directed differential tests against
// Unicorn, and vmsim-only tests where Unicorn cannot reach (aliased pages,
// address-size wrap, fault and resume, bits Unicorn's CPL 0 would change).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "cpu/cpu.h"
#include "tests/diff/snippet.h"

DIFF_SNIPPET(str_single)
DIFF_SNIPPET(str_matrix)
DIFF_SNIPPET(str_rep_movs)
DIFF_SNIPPET(str_movs_overlap)
DIFF_SNIPPET(str_rep_stos_lods)
DIFF_SNIPPET(str_rep_cmps_scas)
DIFF_SNIPPET(str_segments)
DIFF_SNIPPET(fault_stos_forward)
DIFF_SNIPPET(fault_straddle)
DIFF_SNIPPET(fault_stos_backward)
DIFF_SNIPPET(fault_movs_source)
DIFF_SNIPPET(fault_movs_destination)
DIFF_SNIPPET(fault_movs_backward)
DIFF_SNIPPET(fault_lods)
DIFF_SNIPPET(fault_cmps)
DIFF_SNIPPET(fault_scas)
DIFF_SNIPPET(fault_addr32)
DIFF_SNIPPET(fault_first_element)
DIFF_SNIPPET(flags_simple)
DIFF_SNIPPET(flags_stack)

namespace vmsim::difftest {
namespace {

// --- Differential tests ------------------------------------------------------

#define DIRECTED(name, states, seed) \
  TEST(DiffString, name) { EXPECT_EQ(check_snippet(SNIPPET_BYTES(name), states, seed), ""); }

DIRECTED(str_single, 30, 101)
DIRECTED(str_matrix, 10, 109)
DIRECTED(str_rep_movs, 12, 102)
DIRECTED(str_movs_overlap, 6, 103)
DIRECTED(str_rep_stos_lods, 12, 104)
DIRECTED(str_rep_cmps_scas, 12, 105)
DIRECTED(flags_simple, 30, 106)
DIRECTED(flags_stack, 20, 107)

// Runs 'code' from random states with FS and GS bases inside the data region.
std::string check_with_bases(const std::vector<uint8_t>& code, int states, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < states; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.init.fs_base = kDataBase + 0x100;
    p.init.gs_base = kDataBase + 0x3000;
    p.data = random_data(rng);
    const Outcome o = run_lockstep(p);
    if (!o.ok) return "state " + std::to_string(i) + ": " + o.mismatch;
  }
  return {};
}

TEST(DiffString, str_segments) {
  EXPECT_EQ(check_with_bases(SNIPPET_BYTES(str_segments), 20, 108), "");
}

// A REP that runs into unmapped memory: both engines raise #PF at the same
// iteration, and registers (rsi/rdi/rcx/rax/flags) and memory agree there.
std::string check_fault(const std::vector<uint8_t>& code, int states, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < states; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.data = random_data(rng);
    const Outcome o = run_lockstep(p);
    if (!o.ok) return "state " + std::to_string(i) + ": " + o.mismatch;
    if (o.exception != 14)
      return "state " + std::to_string(i) + ": exception " + std::to_string(o.exception);
  }
  return {};
}

#define FAULT(name, seed) \
  TEST(DiffStringFault, name) { EXPECT_EQ(check_fault(SNIPPET_BYTES(name), 3, seed), ""); }

FAULT(fault_stos_forward, 201)
FAULT(fault_straddle, 202)
FAULT(fault_stos_backward, 203)
FAULT(fault_movs_source, 204)
FAULT(fault_movs_destination, 205)
FAULT(fault_movs_backward, 206)
FAULT(fault_lods, 207)
FAULT(fault_cmps, 208)
FAULT(fault_scas, 209)
FAULT(fault_addr32, 210)
FAULT(fault_first_element, 211)

// --- vmsim alone ---------------------------------------------------------------

constexpr uint64_t kCodeLa = 0x400000;       // one page, identity-mapped
constexpr uint64_t kWindowGpa = 0x10000;     // every other linear page maps here
constexpr uint64_t kWindowSize = 0x4000;     // four frames
constexpr uint64_t kDefaultLimit = 1ull << 33;

// Maps every linear page below 'limit' onto a window of four frames, so
// source and destination pages alias the same frame all the time, as a
// guest with two mappings of one frame would see. Page n goes to frame
// (n + n / 2^20) mod 4: pages 4 GiB apart differ, so an address-size wrap
// that went on linearly instead would show.
inline uint64_t window_index(uint64_t la) {
  const uint64_t page = la >> kPageShift;
  return (((page + (page >> 20)) & 3) << kPageShift) | (la & kPageMask);
}

class AliasMmu final : public Mmu {
 public:
  explicit AliasMmu(GuestRam& ram) : ram_(ram) {}
  uint64_t limit = kDefaultLimit;  // linear addresses from here on fault
  const char* name() const override { return "alias"; }
  bool translate(const PagingState&, const AccessRequest& req, Translation& out,
                 PageFault& fault) override {
    const uint64_t va = req.va.value;
    uint64_t gpa;
    if ((va & ~kPageMask) == kCodeLa) {
      gpa = kCodeLa;
    } else if (va < limit) {
      gpa = kWindowGpa + (window_index(va) & ~kPageMask);
    } else {
      fault = PageFault{req.kind == Access::Write ? 2u : 0u, req.va};
      return false;
    }
    out = Translation{Gva(va & ~kPageMask), PageSize::k4K, gpa, ram_.host_ptr(Gpa(gpa)),
                      true, true, false, false, true, false};
    return true;
  }
  uint8_t* host_of(uint64_t pa) override { return ram_.host_ptr(Gpa(pa)); }

 private:
  GuestRam& ram_;
};

struct Machine {
  HostMemory host{16ull << 20};
  GuestRam ram{host, 8ull << 20};
  AliasMmu mmu{ram};
  cpu::NullPlatform platform;
  cpu::Cpu c{mmu, ram, platform};
  Machine() { c.set_stop_on_exception(true); }

  uint8_t& window(uint64_t i) {
    return ram.host_ptr(Gpa(kWindowGpa + (i & ~kPageMask)))[i & kPageMask];
  }
  // Code is written once per offset before it first runs.
  void put_code(uint64_t off, const std::vector<uint8_t>& bytes) {
    std::memcpy(ram.host_ptr(Gpa(kCodeLa)) + off, bytes.data(), bytes.size());
  }
  // The tests change the mapping (the limit) between runs, as an OS changes
  // page tables: like an OS they must then flush the TLB.
  void remap() { c.tlb().flush_all(FlushCause::Invlpg); }
  cpu::RunResult run_at(uint64_t off, uint64_t n = 1) {
    c.s.rip() = kCodeLa + off;
    return c.run(n);
  }
};

// rep movs / rep stos encodings by operation, size, address size, an FS
// override (on the source) and mode: in 64-bit mode 67h selects 32-bit
// addresses, in 32-bit protected mode 16-bit ones.
std::vector<uint8_t> rep_string(bool stos, int size, int addr, bool fs = false,
                                bool prot32 = false) {
  std::vector<uint8_t> b;
  if (fs) b.push_back(0x64);
  if (size == 2) b.push_back(0x66);
  if (addr == (prot32 ? 2 : 4)) b.push_back(0x67);
  b.push_back(0xF3);
  if (size == 8) b.push_back(0x48);
  b.push_back(static_cast<uint8_t>((stos ? 0xAA : 0xA4) + (size > 1)));
  return b;
}
uint64_t code_offset(bool stos, int size, int addr, bool fs = false, bool prot32 = false) {
  return ((prot32 ? 32 : 0) + (fs ? 16 : 0) + (stos ? 8 : 0) +
          (size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3) +
          (addr == (prot32 ? 2 : 4) ? 4 : 0)) * 16;
}
void put_all_variants(Machine& m) {
  for (bool fs : {false, true})
    for (bool stos : {false, true})
      for (int size : {1, 2, 4, 8}) {
        for (int addr : {4, 8})
          m.put_code(code_offset(stos, size, addr, fs), rep_string(stos, size, addr, fs));
        if (size == 8 || fs) continue;  // no REX.W outside 64-bit mode
        for (int addr : {2, 4})
          m.put_code(code_offset(stos, size, addr, false, true),
                     rep_string(stos, size, addr, false, true));
      }
}

// The per-element reference: each iteration reads the whole element, then
// writes it, byte by byte through the same aliasing map as AliasMmu.
struct Model {
  uint8_t mem[kWindowSize];
  uint64_t rsi, rdi, rcx, rax;
  bool df;
  uint64_t limit;
  uint64_t src_base = 0;  // FS base when the source is overridden
  bool faulted = false;
  bool fault_write = false;
  // Outside long mode linear addresses are 32 bits: an element that
  // straddles 4 GiB wraps to address 0.
  bool linear32 = false;
  uint64_t lin(uint64_t la) const { return linear32 ? static_cast<uint32_t>(la) : la; }

  void run(bool stos, int size, int addr) {
    const uint64_t amask = addr == 8 ? ~0ull : addr == 4 ? 0xFFFFFFFFull : 0xFFFFull;
    uint64_t si = rsi & amask, di = rdi & amask, cx = rcx & amask;
    const uint64_t step = df ? -static_cast<uint64_t>(size) : size;
    bool any = false;
    while (cx) {
      uint8_t e[8];
      if (stos) {
        std::memcpy(e, &rax, size);
      } else {
        const uint64_t la = src_base + si;
        if (la + size > limit) { faulted = true; break; }
        for (int b = 0; b < size; ++b) e[b] = mem[window_index(lin(la + b))];
      }
      if (di + size > limit) {
        faulted = fault_write = true;
        break;
      }
      for (int b = 0; b < size; ++b) mem[window_index(lin(di + b))] = e[b];
      si = (si + step) & amask;
      di = (di + step) & amask;
      cx = (cx - 1) & amask;
      any = true;
    }
    if (!any) return;  // registers change only when an iteration completes
    // 64- and 32-bit writes replace the register, 16-bit ones merge.
    const uint64_t keep = addr == 2 ? ~0xFFFFull : 0;
    if (!stos) rsi = (rsi & keep) | si;
    rdi = (rdi & keep) | di;
    rcx = (rcx & keep) | cx;
  }
};

// The first window byte where vmsim and the reference differ, or -1.
int64_t first_difference(Machine& m, const uint8_t* expected) {
  for (uint64_t page = 0; page < kWindowSize; page += kPageSize) {
    const uint8_t* mine = &m.window(page);
    if (std::memcmp(mine, expected + page, kPageSize) == 0) continue;
    for (uint64_t i = 0; i < kPageSize; ++i)
      if (mine[i] != expected[page + i]) return static_cast<int64_t>(page + i);
  }
  return -1;
}

// A random address: anywhere below 2^33, or close to a page or 4 GiB edge.
uint64_t random_address(std::mt19937_64& rng, int addr) {
  switch (rng() % 4) {
    case 0: return rng() % kDefaultLimit;
    case 1: return ((rng() % kDefaultLimit) & ~kPageMask) - 16 + rng() % 32;
    case 2: return 0x100000000ull - (rng() % 0x3000);  // near the addr32 wrap
    default: return addr == 4 ? (rng() << 32) | (rng() % 0x100000000ull) : rng() % kDefaultLimit;
  }
}

void random_window(std::mt19937_64& rng, Machine& m, Model& model) {
  const unsigned period = rng() % 2 ? 0 : 1 + rng() % 9;  // 0: random bytes
  uint8_t pattern[16];
  for (auto& b : pattern) b = static_cast<uint8_t>(rng());
  for (uint64_t i = 0; i < kWindowSize; ++i) {
    model.mem[i] = period ? pattern[i % period] : static_cast<uint8_t>(rng());
    m.window(i) = model.mem[i];
  }
}

// The fast paths (page runs, power-of-two blocks, the overlap check) against
// the per-element reference, with source and destination pages aliasing
// one frame, overlapping at every distance, and wrapping at 4 GiB.
void alias_trials(uint64_t seed, int trials, bool prot32) {
  Machine m;
  put_all_variants(m);
  m.c.s.mode = prot32 ? cpu::CpuMode::Prot32 : cpu::CpuMode::Long64;
  m.remap();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < trials; ++trial) {
    const bool stos = rng() % 4 == 0;
    const int size = 1 << (rng() % (prot32 ? 3 : 4));
    const int addr = prot32 ? (rng() % 2 ? 4 : 2) : (rng() % 3 ? 8 : 4);
    Model model;
    random_window(rng, m, model);
    model.rsi = random_address(rng, addr);
    switch (rng() % 3) {  // destination: near the source, near an alias of it, or anywhere
      case 0: model.rdi = model.rsi + rng() % 0x400 - 0x200; break;
      case 1: model.rdi = model.rsi + (rng() % 8) * kPageSize + rng() % 64 - 32; break;
      default: model.rdi = random_address(rng, addr); break;
    }
    model.rcx = rng() % 3 ? rng() % (0x3000 / size) : rng() % 40;
    if (addr < 8 && rng() % 2) model.rcx |= rng() << (8 * addr);
    model.rax = rng();
    model.df = rng() % 4 == 0;
    model.limit = kDefaultLimit;
    model.linear32 = prot32;
    // An FS override on the source, with a base off page alignment, so that
    // an addr32 wrap falls inside a page.
    const bool fs = !stos && !prot32 && rng() % 4 == 0;
    model.src_base = fs ? rng() % 0x100000000ull : 0;
    m.c.s.seg[cpu::FS].base = model.src_base;
    m.c.s.refresh_seg_bases();
    const Model before = model;

    m.c.s.r[cpu::RSI] = model.rsi;
    m.c.s.r[cpu::RDI] = model.rdi;
    m.c.s.r[cpu::RCX] = model.rcx;
    m.c.s.r[cpu::RAX] = model.rax;
    m.c.s.rflags = 0x2 | (model.df ? cpu::fl::DF : 0);
    model.run(stos, size, addr);
    const uint64_t retired = m.c.instructions();
    const cpu::RunResult r = m.run_at(code_offset(stos, size, addr, fs, prot32));
    SCOPED_TRACE(testing::Message() << "trial " << trial << (stos ? " stos" : " movs") << size
                                    << " addr" << addr * 8 << " df=" << model.df << std::hex
                                    << " fs=" << model.src_base
                                    << " rsi=" << before.rsi << " rdi=" << before.rdi
                                    << " rcx=" << before.rcx);
    if (model.faulted) {  // the source ran past the limit (an FS base plus a high rsi)
      ASSERT_EQ(r.reason, cpu::StopReason::Exception);
      ASSERT_EQ(r.exception.vector, cpu::kPF);
      ASSERT_EQ(m.c.instructions(), retired);
    } else {
      ASSERT_EQ(r.reason, cpu::StopReason::Budget);
      ASSERT_EQ(m.c.instructions(), retired + 1);  // one REP instruction, one retirement
    }
    ASSERT_EQ(m.c.s.r[cpu::RSI], model.rsi);
    ASSERT_EQ(m.c.s.r[cpu::RDI], model.rdi);
    ASSERT_EQ(m.c.s.r[cpu::RCX], model.rcx);
    ASSERT_EQ(first_difference(m, model.mem), -1);
  }
}

TEST(StringUnit, RepMovsStosMatchPerElementReferenceUnderAliasing) { alias_trials(7, 3000, false); }

// 16- and 32-bit addressing in 32-bit protected mode: SI/DI/CX merge.
TEST(StringUnit, RepMovsStosMatchReferenceInProtectedMode) { alias_trials(8, 600, true); }

// A fault part-way stops with the registers describing the remaining work;
// running the instruction again once the page exists finishes the job with
// the same result as one uninterrupted run.
TEST(StringUnit, RepFaultsPartWayAndResumes) {
  Machine m;
  put_all_variants(m);
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const bool stos = trial % 2;
    const int size = 1 << (rng() % 4);
    const int addr = rng() % 2 ? 8 : 4;
    const uint64_t off = code_offset(stos, size, addr);
    const uint64_t limit = addr == 4 ? 0xFFFF0000ull : 0x123456000ull;
    Model start;
    random_window(rng, m, start);
    start.df = false;
    start.rcx = 0x1000 + rng() % 0x4000;
    // Mostly the run reaches the limit part-way; sometimes the destination
    // starts past it, at a page offset above the source's.
    start.rdi = rng() % 4 ? limit - rng() % (start.rcx * size) : limit + 0x800 + rng() % 0x700;
    start.rsi = start.rdi > limit ? limit - 0x2000 + rng() % 0x800
                                  : limit - rng() % (start.rcx * size);
    start.rax = rng();
    Model full = start;
    full.limit = kDefaultLimit;
    full.run(stos, size, addr);
    Model cut = start;
    cut.limit = limit;
    cut.run(stos, size, addr);
    ASSERT_TRUE(cut.faulted);
    SCOPED_TRACE(testing::Message() << "trial " << trial << (stos ? " stos" : " movs") << size
                                    << " addr" << addr * 8 << std::hex << " rsi=" << start.rsi
                                    << " rdi=" << start.rdi << " rcx=" << start.rcx);

    m.mmu.limit = limit;
    m.remap();
    m.c.s.r[cpu::RSI] = start.rsi;
    m.c.s.r[cpu::RDI] = start.rdi;
    m.c.s.r[cpu::RCX] = start.rcx;
    m.c.s.r[cpu::RAX] = start.rax;
    m.c.s.rflags = 0x2;
    const uint64_t retired = m.c.instructions();
    cpu::RunResult r = m.run_at(off);
    ASSERT_EQ(r.reason, cpu::StopReason::Exception);
    ASSERT_EQ(r.exception.vector, cpu::kPF);
    // The access and the byte the reference stopped at.
    ASSERT_EQ(r.exception.error & 2, cut.fault_write ? 2u : 0u);
    if (size == 1) {
      ASSERT_EQ(r.exception.cr2, cut.fault_write ? cut.rdi : cut.rsi);
    }
    ASSERT_EQ(m.c.instructions(), retired);  // a fault retires nothing
    ASSERT_EQ(m.c.s.rip(), kCodeLa + off);   // and leaves RIP on the instruction
    ASSERT_EQ(m.c.s.r[cpu::RSI], cut.rsi);
    ASSERT_EQ(m.c.s.r[cpu::RDI], cut.rdi);
    ASSERT_EQ(m.c.s.r[cpu::RCX], cut.rcx);
    ASSERT_EQ(first_difference(m, cut.mem), -1);

    m.mmu.limit = kDefaultLimit;
    m.remap();
    r = m.run_at(off);
    ASSERT_EQ(r.reason, cpu::StopReason::Budget);
    ASSERT_EQ(m.c.s.r[cpu::RSI], full.rsi);
    ASSERT_EQ(m.c.s.r[cpu::RDI], full.rdi);
    ASSERT_EQ(m.c.s.r[cpu::RCX], full.rcx);
    ASSERT_EQ(first_difference(m, full.mem), -1);
  }
  m.mmu.limit = kDefaultLimit;
}

// rcx = 2^40 over memory that ends: the fill stops at the missing page at
// once instead of counting down 2^40 iterations.
TEST(StringUnit, HugeRepFaultsAtTheMissingPage) {
  Machine m;
  m.put_code(0, rep_string(true, 1, 8));
  m.put_code(16, rep_string(false, 8, 8));
  m.mmu.limit = 0x200000000ull;
  const uint64_t start = m.mmu.limit - 5 * kPageSize - 3;
  m.c.s.r[cpu::RDI] = start;
  m.c.s.r[cpu::RCX] = 1ull << 40;
  m.c.s.rflags = 0x2;
  cpu::RunResult r = m.run_at(0);
  ASSERT_EQ(r.reason, cpu::StopReason::Exception);
  EXPECT_EQ(r.exception.vector, cpu::kPF);
  EXPECT_EQ(r.exception.cr2, m.mmu.limit);
  EXPECT_EQ(r.exception.error & 2, 2u);  // a write
  EXPECT_EQ(m.c.s.r[cpu::RDI], m.mmu.limit);
  EXPECT_EQ(m.c.s.r[cpu::RCX], (1ull << 40) - (m.mmu.limit - start));

  m.c.s.r[cpu::RSI] = start;  // movsq: the source runs out first
  m.c.s.r[cpu::RDI] = 0x1000;
  m.c.s.r[cpu::RCX] = 1ull << 40;
  r = m.run_at(16);
  ASSERT_EQ(r.reason, cpu::StopReason::Exception);
  EXPECT_EQ(r.exception.vector, cpu::kPF);
  EXPECT_EQ(r.exception.error & 2, 0u);  // a read
  EXPECT_EQ(m.c.s.r[cpu::RSI], start + 8 * ((m.mmu.limit - start) / 8));
  EXPECT_EQ(m.c.s.r[cpu::RCX], (1ull << 40) - (m.mmu.limit - start) / 8);
  m.mmu.limit = kDefaultLimit;
}

// --- flags: what Unicorn (CPL 0) cannot show ---------------------------------

constexpr uint64_t kStack = 0x8000;

uint64_t pushed_flags(Machine& m, uint64_t rflags, bool word) {
  m.c.s.rflags = rflags;
  m.c.s.r[cpu::RSP] = kStack;
  const cpu::RunResult r = m.run_at(word ? 16 : 0);
  EXPECT_EQ(r.reason, cpu::StopReason::Budget);
  EXPECT_EQ(m.c.s.r[cpu::RSP], kStack - (word ? 2 : 8));
  return word ? m.c.load<uint16_t>(kStack - 2) : m.c.load<uint64_t>(kStack - 8);
}

uint64_t flags_after_popf(Machine& m, uint64_t rflags, uint64_t value, bool word) {
  m.c.s.rflags = rflags;
  m.c.s.r[cpu::RSP] = kStack - 8;
  m.c.store<uint64_t>(kStack - 8, value);
  const cpu::RunResult r = m.run_at(word ? 48 : 32);
  EXPECT_EQ(r.reason, cpu::StopReason::Budget);
  EXPECT_EQ(m.c.s.r[cpu::RSP], kStack - 8 + (word ? 2 : 8));
  return m.c.s.rflags;
}

struct FlagsMachine : Machine {
  FlagsMachine() {
    put_code(0, {0x9C});         // pushfq
    put_code(16, {0x66, 0x9C});  // pushfw
    put_code(32, {0x9D});        // popfq
    put_code(48, {0x66, 0x9D});  // popfw
  }
};

constexpr uint64_t RF = 1u << 16, VM = 1u << 17, IF = 1u << 9, IOPL = 3u << 12, TF = 1u << 8;

TEST(FlagsUnit, PushfClearsRfAndVmInTheImage) {
  FlagsMachine m;
  const uint64_t f = 0x2 | cpu::fl::kArith | cpu::fl::DF | IF | IOPL | cpu::fl::NT | RF | VM |
                     cpu::fl::AC | cpu::fl::ID;
  EXPECT_EQ(pushed_flags(m, f, false), f & ~(RF | VM));
  EXPECT_EQ(pushed_flags(m, f, true), f & 0xFFFF);
  EXPECT_EQ(pushed_flags(m, 0x2, false), 0x2u);
}

// At CPL 3 with IOPL 0, popf changes only the flags any program may change.
TEST(FlagsUnit, PopfChangesOnlyTheUserModifiableFlags) {
  FlagsMachine m;
  m.c.set_cpl(3);
  const uint64_t modifiable =
      cpu::fl::kArith | cpu::fl::DF | TF | cpu::fl::NT | cpu::fl::AC | cpu::fl::ID;
  // Every bit set in the popped value: bit 1 stays 1; reserved, IF, IOPL,
  // VM, VIF, VIP stay as they were; RF is cleared.
  EXPECT_EQ(flags_after_popf(m, 0x2, ~0ull, false), 0x2 | modifiable);
  EXPECT_EQ(flags_after_popf(m, 0x2 | VM | RF, ~0ull, false), 0x2 | modifiable | VM);
  EXPECT_EQ(flags_after_popf(m, 0x2 | IF | modifiable, 0, false), 0x2 | IF);
  // popfw: bits 15:0 only; AC, ID (above bit 15) and RF keep their values.
  EXPECT_EQ(flags_after_popf(m, 0x2 | RF | cpu::fl::AC | cpu::fl::ID, 0, true),
            0x2 | RF | cpu::fl::AC | cpu::fl::ID);
  EXPECT_EQ(flags_after_popf(m, 0x2, ~0ull, true), 0x2 | (modifiable & 0xFFFF));
}

// SDM Vol. 2B, POPF: IF changes when CPL <= IOPL, IOPL only at CPL 0, and
// neither faults otherwise.
TEST(FlagsUnit, PopfChangesIfAndIoplByPrivilege) {
  FlagsMachine m;
  const uint64_t modifiable =
      cpu::fl::kArith | cpu::fl::DF | TF | cpu::fl::NT | cpu::fl::AC | cpu::fl::ID;
  // CPL 0: IF and IOPL both change.
  EXPECT_EQ(flags_after_popf(m, 0x2, ~0ull, false), 0x2 | modifiable | IF | IOPL);
  EXPECT_EQ(flags_after_popf(m, 0x2 | IF | IOPL | modifiable, 0, false), 0x2u);
  // CPL 3, IOPL 3: IF changes, IOPL does not.
  m.c.set_cpl(3);
  EXPECT_EQ(flags_after_popf(m, 0x2 | IOPL, 0, false), 0x2 | IOPL);
  EXPECT_EQ(flags_after_popf(m, 0x2 | IOPL | IF, 0, false), 0x2 | IOPL);
  EXPECT_EQ(flags_after_popf(m, 0x2 | IOPL, IF, false), 0x2 | IOPL | IF);
  // CPL 3, IOPL 0: neither.
  EXPECT_EQ(flags_after_popf(m, 0x2 | IF, IOPL, false), 0x2 | IF);
  EXPECT_EQ(flags_after_popf(m, 0x2, IF | IOPL, false), 0x2u);
  // popfw at CPL 0 reaches IF and IOPL too (bits 15:0).
  m.c.set_cpl(0);
  EXPECT_EQ(flags_after_popf(m, 0x2, IF | IOPL, true), 0x2 | IF | IOPL);
}

}  // namespace
}  // namespace vmsim::difftest
