// Random system-level code: byte streams rich in system instructions (mov to
// control and segment registers, far transfers, iret, int n, syscall,
// sysret, MSRs, descriptor-table loads, cli/sti/hlt) run from random states
// at CPL 0 and 3 with the IDT delivering, and with device interrupts firing.
// Whatever the guest does, the CPU must stay consistent: run() returns
// within its budget, the mode follows EFER.LMA and CS.L, the CPL is CS's
// RPL, and RIP is canonical in 64-bit mode. (The libFuzzer target stops at
// every exception; this one delivers them.)
#include <cstdlib>
#include <random>

#include "tests/unit/system_fixture.h"

namespace vmsim::cpu::systest {
namespace {

using Bytes = std::vector<uint8_t>;

// Encodings to splice into the stream; a ModRM byte (or register) is
// randomised where the encoding has one (marked by its index, or -1).
struct Piece {
  Bytes bytes;
  int modrm;
};
const std::vector<Piece>& pieces() {
  static const std::vector<Piece> p = {
      {{0x0F, 0x22, 0xC0}, 2},        // mov crN, r
      {{0x0F, 0x20, 0xC0}, 2},        // mov r, crN
      {{0x44, 0x0F, 0x22, 0xC0}, 3},  // mov cr8, r
      {{0x8E, 0xD8}, 1},              // mov sreg, r
      {{0x8C, 0xD8}, 1},              // mov r, sreg
      {{0x0F, 0xA0}, -1}, {{0x0F, 0xA1}, -1}, {{0x0F, 0xA8}, -1}, {{0x0F, 0xA9}, -1},  // push/pop fs, gs
      {{0xFF, 0x28}, 1},              // jmp far [r]
      {{0xFF, 0x18}, 1},              // call far [r]
      {{0x48, 0xFF, 0x28}, 2},        // jmp far m16:64
      {{0xCB}, -1}, {{0x48, 0xCB}, -1}, {{0xCA, 0x08, 0x00}, -1},  // retf
      {{0x48, 0xCF}, -1}, {{0xCF}, -1},                          // iretq, iretd
      {{0xCD, 0x80}, -1}, {{0xCD, 0x0D}, -1}, {{0xCC}, -1}, {{0xF1}, -1}, {{0xCE}, -1},
      {{0x0F, 0x05}, -1}, {{0x48, 0x0F, 0x07}, -1}, {{0x0F, 0x07}, -1},  // syscall, sysret
      {{0x0F, 0x01, 0xF8}, -1},       // swapgs
      {{0x0F, 0x30}, -1}, {{0x0F, 0x32}, -1}, {{0x0F, 0x01, 0xF9}, -1}, {{0x0F, 0x31}, -1},
      {{0x0F, 0x01, 0x10}, 2}, {{0x0F, 0x01, 0x18}, 2}, {{0x0F, 0x01, 0x00}, 2},  // lgdt, lidt, sgdt
      {{0x0F, 0x00, 0xD8}, 2}, {{0x0F, 0x00, 0xD0}, 2}, {{0x0F, 0x00, 0xC8}, 2},  // ltr, lldt, str
      {{0x0F, 0x01, 0xF0}, 2}, {{0x0F, 0x06}, -1},                                 // lmsw, clts
      {{0xFA}, -1}, {{0xFB}, -1}, {{0xF4}, -1}, {{0x9C}, -1}, {{0x9D}, -1},
      {{0x0F, 0x01, 0x38}, 2}, {{0x66, 0x0F, 0x38, 0x82, 0x00}, 4},  // invlpg, invpcid
      {{0xE6, 0x80}, -1}, {{0xEC}, -1},                                // out, in
      {{0x0F, 0x01, 0xD0}, -1}, {{0x0F, 0x01, 0xC1}, -1}, {{0x0F, 0x09}, -1},
  };
  return p;
}

// Values registers start with: selectors, table addresses, MSR numbers,
// control-register values, addresses in RAM and out of it.
uint64_t pick(std::mt19937_64& rng) {
  static const uint64_t kValues[] = {
      0, 3, kKernelCs, kKernelDs, kUserCs, kUserDs, kUserCs32, kKernelCs32, kTssSel, kLdtSel, kBasedDs,
      kAbsentDs, kCode16, 0x1000, kGdt, kIdt, kData, kData + 0x100, kUserStack, 0x7000000,
      0x0000800000000000ull, 0xFFFF800000000000ull, msr::kEfer, msr::kStar, msr::kLstar, msr::kFsBase,
      msr::kGsBase, msr::kKernelGsBase, msr::kTsc, msr::kSfmask, msr::kPat, 0x808, 0x80010033, 0x80000011,
      0x11, 0xD01, 0x6A0, 0x20, 0x100000, ~0ull};
  if (rng() % 4 == 0) return rng();
  return kValues[rng() % (sizeof kValues / sizeof kValues[0])];
}

Bytes random_code(std::mt19937_64& rng, size_t n) {
  Bytes out;
  while (out.size() < n) {
    const unsigned k = rng() % 10;
    if (k < 6) {
      Piece p = pieces()[rng() % pieces().size()];
      if (p.modrm >= 0) {
        // Keep mod and rm mostly (register or [reg]) but vary the reg field
        // and the register.
        uint8_t& b = p.bytes[p.modrm];
        b = static_cast<uint8_t>((b & 0xC0) | (rng() % 8) << 3 | (rng() % 8));
        if ((b & 7) == 4 || (b & 0xC7) == 5) b = static_cast<uint8_t>((b & ~7) | 0);  // no SIB / disp32
      }
      out.insert(out.end(), p.bytes.begin(), p.bytes.end());
    } else if (k < 8) {
      // mov r64, imm64 from the value table
      const uint64_t v = pick(rng);
      out.push_back(0x48);
      out.push_back(static_cast<uint8_t>(0xB8 + rng() % 8));
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    } else {
      out.push_back(static_cast<uint8_t>(rng()));
    }
  }
  return out;
}

void check_consistent(const Cpu& c, const std::string& what) {
  const bool lma = c.s.efer & efer_bit::LMA;
  const bool l = c.s.seg[CS].attr & seg_attr::kL;
  const CpuMode want = lma ? (l ? CpuMode::Long64 : CpuMode::Compat32) : CpuMode::Prot32;
  EXPECT_EQ(c.s.mode, want) << what;
  EXPECT_EQ(c.s.cpl, c.s.seg[CS].selector & 3) << what;
  if (c.s.mode == CpuMode::Long64) {
    EXPECT_EQ(static_cast<uint64_t>((static_cast<int64_t>(c.s.rip()) << 16) >> 16), c.s.rip()) << what;
  } else {
    EXPECT_EQ(c.s.rip() >> 32, 0u) << what;
  }
  if ((c.s.cr0 & cr0_bit::PG) && (c.s.efer & efer_bit::LME)) {
    EXPECT_TRUE(lma) << what;
  }
  EXPECT_EQ(c.s.rflags & fl::Reserved1, fl::Reserved1) << what;
  EXPECT_EQ(c.s.rflags & fl::VM, 0u) << what;
}

TEST(SystemStress, RandomSystemCodeKeepsTheCpuConsistent) {
  // VMSIM_STRESS_SEED and VMSIM_STRESS_PROGRAMS explore further (CI keeps
  // the defaults).
  const char* seed = std::getenv("VMSIM_STRESS_SEED");
  const char* programs = std::getenv("VMSIM_STRESS_PROGRAMS");
  std::mt19937_64 rng(seed ? std::strtoull(seed, nullptr, 0) : 0x5157E3);
  const int kPrograms = programs ? std::atoi(programs) : 1500;
  constexpr uint64_t kBudget = 3000;
  uint64_t retired = 0, triple = 0, halted = 0, delivered = 0;
  uint64_t modes[3] = {}, cpls[4] = {};
  for (int i = 0; i < kPrograms; ++i) {
    SysMachine m;
    const std::string what = "program " + std::to_string(i);
    // Handlers: some vectors return (iretq), the rest halt.
    m.code(0x11000, {0x48, 0xCF});
    for (unsigned v = 0; v < 256; ++v)
      if (rng() % 2) m.set_gate(v, 0x11000, kKernelCs, rng() % 2 ? 0xE : 0xF, static_cast<unsigned>(rng() % 4));
    m.c.s.lstar = kUserCode + 0x400;
    const bool user = rng() % 2;
    const uint64_t code_at = user ? kUserCode : kKernelCode;
    m.code(code_at, random_code(rng, 512));
    m.code(kUserCode + 0x400, random_code(rng, 64));
    for (int r = 0; r < 16; ++r)
      if (r != RSP) m.c.s.r[r] = pick(rng);
    if (user) {
      m.enter_user(code_at);
    } else if (rng() % 4 == 0) {
      // 32-bit protected mode, paging off, as a Multiboot kernel starts.
      m.c.s.cr0 = cr0_bit::PE | cr0_bit::ET;
      m.c.s.cr4 = 0;
      m.c.s.efer = 0;
      m.c.s.seg[CS] = Segment{kKernelCs32, 0, 0xFFFFFFFF, 0xC09B};
      m.c.mode_changed();
      m.c.s.r[RSP] = kRsp0 - 0x100;
    }
    m.c.s.rflags = fl::Reserved1 | (rng() % 2 ? fl::IF : 0) | (rng() % 4 == 0 ? fl::IOPL : 0);
    if (rng() % 2) m.plat.schedule.emplace(rng() % 2000, static_cast<int>(32 + rng() % 224));
    if (rng() % 5 == 0) m.c.set_stop_on_exception(true);
    for (int slice = 0; slice < 3; ++slice) {
      RunResult r;
      const uint64_t before = m.c.instructions();
      ASSERT_NO_THROW(r = m.c.run(kBudget / 3)) << what;
      EXPECT_LE(m.c.instructions() - before, kBudget / 3) << what;
      check_consistent(m.c, what);
      if (r.reason == StopReason::TripleFault) {
        ++triple;
        EXPECT_FALSE(r.message.empty()) << what;
        break;
      }
      if (r.reason == StopReason::Halted) {
        ++halted;
        EXPECT_FALSE(r.message.empty()) << what;
        break;
      }
      if (r.reason == StopReason::Exception) break;
    }
    retired += m.c.instructions();
    ++modes[static_cast<int>(m.c.s.mode)];
    ++cpls[m.c.s.cpl];
    for (uint64_t n : m.c.stats().exceptions) delivered += n;
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("%d programs, %llu instructions retired, %llu exceptions, %llu triple faults, %llu halts\n", kPrograms,
              static_cast<unsigned long long>(retired), static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(triple), static_cast<unsigned long long>(halted));
  std::printf("final modes: prot32 %llu, compat %llu, 64-bit %llu; CPL 0 %llu, 3 %llu\n",
              static_cast<unsigned long long>(modes[0]), static_cast<unsigned long long>(modes[1]),
              static_cast<unsigned long long>(modes[2]), static_cast<unsigned long long>(cpls[0]),
              static_cast<unsigned long long>(cpls[3]));
  EXPECT_GT(retired, 10000u);
  EXPECT_GT(modes[1], 0u);  // some programs reached compatibility mode
  EXPECT_GT(modes[2], 0u);
}

}  // namespace
}  // namespace vmsim::cpu::systest
