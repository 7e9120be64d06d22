// Directed differential tests for the groups muldiv, shift and bits, and a
// few vmsim-only checks the lock-step runner cannot make (state after #DE).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/flat_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "cpu/cpu.h"
#include "tests/diff/snippet.h"

DIFF_SNIPPET(md_mul)
DIFF_SNIPPET(md_mul_edges)
DIFF_SNIPPET(md_imul)
DIFF_SNIPPET(md_div)
DIFF_SNIPPET(md_idiv)
DIFF_SNIPPET(md_div_edges)
DIFF_SNIPPET(md_convert)
DIFF_SNIPPET(de_div8_zero)
DIFF_SNIPPET(de_div8_ovf)
DIFF_SNIPPET(de_div16_zero)
DIFF_SNIPPET(de_div16_ovf)
DIFF_SNIPPET(de_div32_zero)
DIFF_SNIPPET(de_div32_ovf)
DIFF_SNIPPET(de_div64_zero)
DIFF_SNIPPET(de_div64_ovf)
DIFF_SNIPPET(de_idiv8_zero)
DIFF_SNIPPET(de_idiv8_ovf)
DIFF_SNIPPET(de_idiv16_min)
DIFF_SNIPPET(de_idiv16_zero)
DIFF_SNIPPET(de_idiv16_ovf)
DIFF_SNIPPET(de_idiv32_zero)
DIFF_SNIPPET(de_idiv32_ovf)
DIFF_SNIPPET(de_idiv64_zero)
DIFF_SNIPPET(de_idiv64_ovf)
DIFF_SNIPPET(de_idiv64_ovf_pos)
DIFF_SNIPPET(sh_cl)
DIFF_SNIPPET(sh_counts)
DIFF_SNIPPET(sh_one)
DIFF_SNIPPET(sh_double)
DIFF_SNIPPET(sh_double_random)
DIFF_SNIPPET(bt_reg)
DIFF_SNIPPET(bt_mem_imm)
DIFF_SNIPPET(bt_mem_reg)
DIFF_SNIPPET(bt_mem_far)
DIFF_SNIPPET(bt_mem_far_neg)
DIFF_SNIPPET(bit_scan)
DIFF_SNIPPET(bmi1)

namespace vmsim::difftest {
namespace {

constexpr int kStates = 40;

// Like check_snippet, but the snippet must also run to its end in both
// engines: a #DE (or any exception) would silently cut the coverage short.
std::string check_clean(const std::vector<uint8_t>& code, int states, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < states; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.data = random_data(rng);
    Outcome out = run_lockstep(p);
    const std::string where = "seed " + std::to_string(seed) + ", state " + std::to_string(i) + ": ";
    if (!out.ok) return where + out.mismatch;
    if (out.exception >= 0) return where + "stopped with exception " + std::to_string(out.exception);
  }
  return {};
}

#define DIRECTED(name, seed) \
  TEST(DiffIntops, name) { EXPECT_EQ(check_clean(SNIPPET_BYTES(name), kStates, seed), ""); }

DIRECTED(md_mul, 101)
DIRECTED(md_mul_edges, 102)
DIRECTED(md_imul, 103)
DIRECTED(md_div, 104)
DIRECTED(md_idiv, 105)
DIRECTED(md_div_edges, 106)
DIRECTED(md_convert, 107)
DIRECTED(sh_cl, 111)
DIRECTED(sh_counts, 112)
DIRECTED(sh_one, 113)
DIRECTED(sh_double, 114)
DIRECTED(sh_double_random, 115)
DIRECTED(bt_reg, 121)
DIRECTED(bt_mem_imm, 122)
DIRECTED(bt_mem_reg, 123)
DIRECTED(bit_scan, 124)
DIRECTED(bmi1, 125)

// Snippets that end in an exception: both engines must raise 'vector' at
// the last instruction, from several random states.
void expect_exception(const std::vector<uint8_t>& code, int vector, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 8; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.data = random_data(rng);
    Outcome o = run_lockstep(p);
    ASSERT_TRUE(o.ok) << o.mismatch;
    ASSERT_EQ(o.exception, vector) << "state " << i;
  }
}

#define RAISES(name, vector) \
  TEST(DiffIntops, name##_raises) { expect_exception(SNIPPET_BYTES(name), vector, 7); }

RAISES(de_div8_zero, 0)
RAISES(de_div8_ovf, 0)
RAISES(de_div16_zero, 0)
RAISES(de_div16_ovf, 0)
RAISES(de_div32_zero, 0)
RAISES(de_div32_ovf, 0)
RAISES(de_div64_zero, 0)
RAISES(de_div64_ovf, 0)
RAISES(de_idiv8_zero, 0)
RAISES(de_idiv8_ovf, 0)
RAISES(de_idiv16_zero, 0)
RAISES(de_idiv16_ovf, 0)
RAISES(de_idiv16_min, 0)
RAISES(de_idiv32_zero, 0)
RAISES(de_idiv32_ovf, 0)
RAISES(de_idiv64_zero, 0)
RAISES(de_idiv64_ovf, 0)
RAISES(de_idiv64_ovf_pos, 0)
RAISES(bt_mem_far, 14)
RAISES(bt_mem_far_neg, 14)

// --- vmsim alone: a faulting divide changes nothing --------------------------
// The lock-step runner stops at an exception without comparing state, so
// check here that #DE leaves every register (RIP on the divide) and RFLAGS
// as they were.
struct Machine {
  HostMemory host{16ull << 20};
  GuestRam ram{host, 8ull << 20};
  FlatMmu mmu{ram};
  cpu::NullPlatform platform;
  cpu::Cpu vm{mmu, ram, platform};
  static constexpr uint64_t kCode = 0x10000, kData = 0x20000;

  explicit Machine(const std::vector<uint8_t>& code) {
    std::memcpy(ram.host_ptr(Gpa(kCode)), code.data(), code.size());
    vm.set_stop_on_exception(true);
    vm.s.rip() = kCode;
    vm.s.r[cpu::R15] = kData;
    vm.s.r[cpu::RSP] = kData + 0x800;
  }
};

TEST(IntopsUnit, DivideErrorChangesNothing) {
  struct Case {
    std::vector<uint8_t> insn;  // the faulting divide alone
    uint64_t rax, rdx, rcx;
  };
  const Case cases[] = {
      {{0xF6, 0xF1}, 0x100, 0, 1},                                    // div cl: 256 / 1
      {{0xF6, 0xF9}, 0xFF80, 0, 0xFF},                                // idiv cl: -128 / -1
      {{0x66, 0xF7, 0xF1}, 0, 1, 1},                                  // div cx
      {{0xF7, 0xF9}, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF},             // idiv ecx
      {{0x48, 0xF7, 0xF1}, 5, 5, 5},                                  // div rcx
      {{0x48, 0xF7, 0xF9}, 1ull << 63, ~0ull, ~0ull},                 // idiv rcx: INT64_MIN / -1
      {{0x48, 0xF7, 0xF9}, 0, 1ull << 63, ~0ull},                     // idiv rcx: INT128_MIN / -1
      {{0x49, 0xF7, 0x37}, 0x1234, 0x5678, 0},                        // div qword ptr [r15] (= 0)
      {{0x49, 0xF7, 0x3F}, 0x1234, 0x5678, 0},                        // idiv qword ptr [r15]
  };
  for (const Case& k : cases) {
    Machine m(k.insn);
    m.vm.s.r[cpu::RAX] = k.rax;
    m.vm.s.r[cpu::RDX] = k.rdx;
    m.vm.s.r[cpu::RCX] = k.rcx;
    m.vm.s.rflags = 0x2 | 0x8D5;
    const cpu::CpuState before = m.vm.s;
    const cpu::RunResult r = m.vm.run(1);
    EXPECT_EQ(r.reason, cpu::StopReason::Exception);
    EXPECT_EQ(r.exception.vector, cpu::kDE);
    for (int i = 0; i < cpu::kNumRegSlots; ++i) EXPECT_EQ(m.vm.s.r[i], before.r[i]) << "register " << i;
    EXPECT_EQ(m.vm.s.rflags, before.rflags);
  }
}

// Signed division edges, checked in vmsim alone: Unicorn 2.0.1 divides
// EDX:EAX = INT64_MIN by -1 in a host int64_t and dies of SIGFPE.
TEST(IntopsUnit, SignedDivideEdges) {
  // idiv ecx: EDX:EAX = INT64_MIN, ECX = INT32_MIN: the quotient 2^32 overflows.
  {
    Machine m({0xF7, 0xF9});
    m.vm.s.r[cpu::RAX] = 0;
    m.vm.s.r[cpu::RDX] = 0x80000000;
    m.vm.s.r[cpu::RCX] = 0x80000000;
    EXPECT_EQ(m.vm.run(1).exception.vector, cpu::kDE);
  }
  // idiv ecx: EDX:EAX = INT64_MIN, ECX = -1: overflow, and no host trap.
  {
    Machine m({0xF7, 0xF9});
    m.vm.s.r[cpu::RAX] = 0;
    m.vm.s.r[cpu::RDX] = 0x80000000;
    m.vm.s.r[cpu::RCX] = 0xFFFFFFFF;
    const cpu::RunResult r = m.vm.run(1);
    EXPECT_EQ(r.reason, cpu::StopReason::Exception);
    EXPECT_EQ(r.exception.vector, cpu::kDE);
  }
  // 16-bit: DX:AX = INT32_MIN / -1 overflows.
  {
    Machine m({0x66, 0xF7, 0xF9});
    m.vm.s.r[cpu::RAX] = 0;
    m.vm.s.r[cpu::RDX] = 0x8000;
    m.vm.s.r[cpu::RCX] = 0xFFFF;
    EXPECT_EQ(m.vm.run(1).exception.vector, cpu::kDE);
  }
  // 64-bit: a 128-bit dividend whose quotient fits: (-2^64 + 6) / -2 = 2^63 - 3.
  {
    Machine m({0x48, 0xF7, 0xF9});
    m.vm.s.r[cpu::RAX] = 6;
    m.vm.s.r[cpu::RDX] = ~0ull;
    m.vm.s.r[cpu::RCX] = ~1ull;  // -2
    const cpu::RunResult r = m.vm.run(1);
    EXPECT_EQ(r.reason, cpu::StopReason::Budget);
    EXPECT_EQ(m.vm.s.r[cpu::RAX], (1ull << 63) - 3);
    EXPECT_EQ(m.vm.s.r[cpu::RDX], 0u);
  }
}

// bt with a register bit offset addresses the operand-sized unit that holds
// the bit, below the operand for a negative offset.
TEST(IntopsUnit, BitTestNegativeOffsetReachesBelowTheOperand) {
  Machine m({0x49, 0x0F, 0xAB, 0x47, 0x10});  // bts qword ptr [r15+0x10], rax
  m.vm.s.r[cpu::RAX] = static_cast<uint64_t>(-65);  // bit 63 of the qword at [r15+0x10-16]
  ASSERT_EQ(m.vm.run(1).reason, cpu::StopReason::Budget);
  uint64_t q;
  std::memcpy(&q, m.ram.host_ptr(Gpa(Machine::kData)), 8);
  EXPECT_EQ(q, 1ull << 63);
  std::memcpy(&q, m.ram.host_ptr(Gpa(Machine::kData + 0x10)), 8);
  EXPECT_EQ(q, 0u);
}

// LOCK with a register destination, and LOCK BT (not a read-modify-write),
// are #UD (SDM Vol. 2A, LOCK). Unicorn 2.0.1 aborts on the first ("tcg
// fatal error") and runs the second as bt, so vmsim is checked alone.
TEST(IntopsUnit, InvalidLockedBitTests) {
  for (const std::vector<uint8_t>& insn :
       {std::vector<uint8_t>{0xF0, 0x0F, 0xAB, 0xD8},            // lock bts eax, ebx
        std::vector<uint8_t>{0xF0, 0x48, 0x0F, 0xBA, 0xF8, 3},   // lock btc rax, 3
        std::vector<uint8_t>{0xF0, 0x41, 0x0F, 0xA3, 0x1F},      // lock bt dword ptr [r15], ebx
        std::vector<uint8_t>{0xF0, 0x41, 0x0F, 0xBA, 0x27, 3}}) {  // lock bt dword ptr [r15], 3
    Machine m(insn);
    const cpu::RunResult r = m.vm.run(1);
    EXPECT_EQ(r.reason, cpu::StopReason::Exception);
    EXPECT_EQ(r.exception.vector, cpu::kUD);
  }
}

// --- vmsim alone: instructions Unicorn 2.0.1 cannot be compared on ----------
// Runs one instruction from RAX/RCX (and the data at r15) and returns the
// machine for inspection.
struct One {
  std::unique_ptr<Machine> m;
  One(std::vector<uint8_t> insn, uint64_t rax, uint64_t rcx, uint64_t mem = 0) {
    m = std::make_unique<Machine>(insn);
    m->vm.s.r[cpu::RAX] = rax;
    m->vm.s.r[cpu::RCX] = rcx;
    m->vm.s.rflags = 0x2 | 0x8D5;  // every arithmetic flag set beforehand
    std::memcpy(m->ram.host_ptr(Gpa(Machine::kData)), &mem, 8);
    EXPECT_EQ(m->vm.run(1).reason, cpu::StopReason::Budget);
  }
  uint64_t rax() const { return m->vm.s.r[cpu::RAX]; }
  uint64_t flags() const { return m->vm.s.rflags & 0x8D5; }
};

// POPCNT (Unicorn 2.0.1 raises #UD for it, unicorn-engine/unicorn#1880).
// SDM Vol. 2B, POPCNT: OF SF ZF AF CF PF cleared, ZF = (source == 0).
TEST(IntopsUnit, Popcnt) {
  constexpr uint64_t kZf = 0x40;
  const std::vector<uint8_t> r64 = {0xF3, 0x48, 0x0F, 0xB8, 0xC1};  // popcnt rax, rcx
  const std::vector<uint8_t> r32 = {0xF3, 0x0F, 0xB8, 0xC1};        // popcnt eax, ecx
  const std::vector<uint8_t> r16 = {0x66, 0xF3, 0x0F, 0xB8, 0xC1};  // popcnt ax, cx
  const std::vector<uint8_t> m64 = {0xF3, 0x49, 0x0F, 0xB8, 0x07};  // popcnt rax, [r15]
  const std::vector<uint8_t> m32 = {0xF3, 0x41, 0x0F, 0xB8, 0x07};  // popcnt eax, [r15]
  const std::vector<uint8_t> m16 = {0x66, 0xF3, 0x41, 0x0F, 0xB8, 0x07};  // popcnt ax, [r15]
  const uint64_t old = 0x1111222233334444;
  {
    One o(r64, old, 0);
    EXPECT_EQ(o.rax(), 0u);
    EXPECT_EQ(o.flags(), kZf);
  }
  {
    One o(r64, old, ~0ull);
    EXPECT_EQ(o.rax(), 64u);
    EXPECT_EQ(o.flags(), 0u);
  }
  {
    One o(r64, old, 0x8000000000000001);
    EXPECT_EQ(o.rax(), 2u);
  }
  {
    One o(r32, old, 0xFFFFFFFF00000000);  // the upper half is not counted
    EXPECT_EQ(o.rax(), 0u);               // and EAX is zero-extended
    EXPECT_EQ(o.flags(), kZf);
  }
  {
    One o(r32, old, 0x00000000F0F0F0F1);
    EXPECT_EQ(o.rax(), 17u);
    EXPECT_EQ(o.flags(), 0u);
  }
  {
    One o(r16, old, 0xFFFFFFFFFFFF8001);
    EXPECT_EQ(o.rax(), 0x1111222233330002u);  // AX only
    EXPECT_EQ(o.flags(), 0u);
  }
  {
    One o(r16, old, 0xFFFFFFFFFFFF0000);
    EXPECT_EQ(o.rax(), 0x1111222233330000u);
    EXPECT_EQ(o.flags(), kZf);
  }
  {
    One o(m64, old, 0, 0x0102040810204080);
    EXPECT_EQ(o.rax(), 8u);
  }
  {
    One o(m32, old, 0, 0xFFFFFFFF00000007);
    EXPECT_EQ(o.rax(), 3u);
  }
  {
    One o(m16, old, 0, 0xFFFFFFFFFFFF0000);
    EXPECT_EQ(o.rax(), 0x1111222233330000u);
    EXPECT_EQ(o.flags(), kZf);
  }
}

// The SDM values where lockstep.cpp reconciles Unicorn: BLSI's CF and
// BEXTR with LEN >= the operand size.
TEST(IntopsUnit, BlsiAndBextrFollowTheSdm) {
  constexpr uint64_t kCf = 0x1, kZf = 0x40, kSf = 0x80;
  const std::vector<uint8_t> blsi = {0xC4, 0xE2, 0xF8, 0xF3, 0xD9};  // blsi rax, rcx
  {
    One o(blsi, 0, 0x18);
    EXPECT_EQ(o.rax(), 8u);
    EXPECT_EQ(o.flags() & (kCf | kZf | kSf | 0x800), kCf);  // CF = (source != 0)
  }
  {
    One o(blsi, 5, 0);
    EXPECT_EQ(o.rax(), 0u);
    EXPECT_EQ(o.flags() & (kCf | kZf | kSf | 0x800), kZf);
  }
  // bextr eax, ecx, eax (c4 e2 78 f7 c1): START = AL, LEN = AH.
  const std::vector<uint8_t> bextr32 = {0xC4, 0xE2, 0x78, 0xF7, 0xC1};
  {
    One o(bextr32, 0x2000, 0xFFFFFFFF80000001);  // START 0, LEN 32: all of ECX
    EXPECT_EQ(o.rax(), 0x80000001u);
    EXPECT_EQ(o.flags() & (kCf | kZf | 0x800), 0u);
  }
  {
    One o(bextr32, 0xFF00, 0x80000000);  // LEN 255
    EXPECT_EQ(o.rax(), 0x80000000u);
    EXPECT_EQ(o.flags() & kZf, 0u);
  }
  {
    One o(bextr32, 0x041C, 0xF0000000);  // START 28, LEN 4
    EXPECT_EQ(o.rax(), 0xFu);
  }
  {
    One o(bextr32, 0x0020, 0xFFFFFFFF);  // START 32: nothing left
    EXPECT_EQ(o.rax(), 0u);
    EXPECT_EQ(o.flags() & kZf, kZf);
  }
  // bextr rax, rcx, rax (c4 e2 f8 f7 c1)
  const std::vector<uint8_t> bextr64 = {0xC4, 0xE2, 0xF8, 0xF7, 0xC1};
  {
    One o(bextr64, 0x4000, 0x8000000000000000);  // START 0, LEN 64
    EXPECT_EQ(o.rax(), 0x8000000000000000u);
    EXPECT_EQ(o.flags() & kZf, 0u);
  }
  {
    One o(bextr64, 0x083C, 0xA000000000000000);  // START 60, LEN 8: 4 bits remain
    EXPECT_EQ(o.rax(), 0xAu);
  }
}

}  // namespace
}  // namespace vmsim::difftest
