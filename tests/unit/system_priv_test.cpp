// Privilege and the privileged instructions: #GP at CPL 3, the IOPL rules,
// mov to/from control registers with their #GP checks, the MSRs, syscall and
// sysret, swapgs, iretq between rings, intercept reporting, CPUID.
#include "tests/unit/system_fixture.h"

SYS_SNIPPET(kernel_to_user)
SYS_SNIPPET(user_int80)
SYS_SNIPPET(count_iretq)
SYS_SNIPPET(user_syscall)
SYS_SNIPPET(kernel_sysretq)
SYS_SNIPPET(kernel_sysretl)

namespace vmsim::cpu::systest {
namespace {

using Bytes = std::vector<uint8_t>;

// Runs one instruction (stopping at an exception instead of delivering it).
RunResult exec1(SysMachine& m, const Bytes& code, bool user = false) {
  m.c.set_stop_on_exception(true);
  const uint64_t at = user ? kUserCode : kKernelCode;
  m.code(at, code);
  m.c.s.halted = false;
  if (user) m.enter_user(at);
  else if (m.c.s.cpl != 0) m.enter_kernel(at);
  else m.c.s.rip() = at;
  return m.c.run(1);
}

#define EXPECT_FAULT(run, vec, err)                                                 \
  do {                                                                               \
    const RunResult r_ = (run);                                                      \
    EXPECT_EQ(r_.reason, StopReason::Exception) << reason_name(r_.reason);           \
    EXPECT_EQ(int{r_.exception.vector}, int{vec});                                   \
    EXPECT_EQ(r_.exception.error, uint32_t{err});                                    \
  } while (0)
#define EXPECT_RETIRED(run)                                                          \
  do {                                                                               \
    const RunResult r_ = (run);                                                      \
    EXPECT_EQ(r_.reason, StopReason::Budget) << "vector " << int{r_.exception.vector}; \
  } while (0)

// --- CPL 3 ------------------------------------------------------------------------

TEST(Privilege, PrivilegedInstructionsRaiseGpAtCpl3) {
  const std::vector<std::pair<const char*, Bytes>> cases = {
      {"mov cr0, rax", {0x0F, 0x22, 0xC0}}, {"mov rax, cr3", {0x0F, 0x20, 0xD8}},
      {"mov cr8, rax", {0x44, 0x0F, 0x22, 0xC0}}, {"mov rax, cr8", {0x44, 0x0F, 0x20, 0xC0}},
      {"lgdt [rax]", {0x0F, 0x01, 0x10}}, {"lidt [rax]", {0x0F, 0x01, 0x18}},
      {"ltr ax", {0x0F, 0x00, 0xD8}}, {"lldt ax", {0x0F, 0x00, 0xD0}},
      {"lmsw ax", {0x0F, 0x01, 0xF0}}, {"clts", {0x0F, 0x06}}, {"hlt", {0xF4}},
      {"invlpg [rax]", {0x0F, 0x01, 0x38}}, {"invpcid rax, [rbx]", {0x66, 0x0F, 0x38, 0x82, 0x03}},
      {"rdmsr", {0x0F, 0x32}}, {"wrmsr", {0x0F, 0x30}}, {"swapgs", {0x0F, 0x01, 0xF8}},
      {"wbinvd", {0x0F, 0x09}}, {"invd", {0x0F, 0x08}}, {"cli", {0xFA}}, {"sti", {0xFB}},
      {"in al, 0x60", {0xE4, 0x60}}, {"out 0x80, al", {0xE6, 0x80}}, {"in al, dx", {0xEC}},
      {"sysretq", {0x48, 0x0F, 0x07}},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    SysMachine m;
    m.c.s.r[RAX] = kData;
    m.c.s.r[RBX] = kData;
    const RunResult r = exec1(m, code, true);
    EXPECT_FAULT(r, kGP, 0);
    EXPECT_EQ(m.c.s.rip(), kUserCode);
    EXPECT_EQ(m.c.s.cpl, 3);
    EXPECT_TRUE(m.plat.intercepts.empty());  // the CPL check comes first
    EXPECT_TRUE(m.plat.outs.empty());
  }
}

TEST(Privilege, IoplThreeAllowsCliStiAndPortIoAtCpl3) {
  SysMachine m;
  m.c.set_stop_on_exception(true);
  m.code(kUserCode, {0xFA, 0xE4, 0x60, 0xE6, 0x80, 0xFB, 0x90});  // cli; in al, 0x60; out 0x80, al; sti; nop
  m.enter_user(kUserCode);
  m.c.s.rflags = fl::Reserved1 | fl::IF | fl::IOPL;
  EXPECT_RETIRED(m.c.run(5));
  EXPECT_EQ(m.c.s.rflags & fl::IF, fl::IF);
  EXPECT_EQ(m.c.s.r[RAX] & 0xFF, 0x60u);  // the mock reads 0x1000 + port
  ASSERT_EQ(m.plat.outs.size(), 1u);
  EXPECT_EQ(std::get<0>(m.plat.outs[0]), 0x80);
  EXPECT_EQ(m.plat.intercepts, (std::vector<Intercept>{Intercept::IoIn, Intercept::IoOut}));
}

TEST(Privilege, DescriptorTableReadsAreAllowedAtCpl3) {
  // CPUID does not advertise UMIP: smsw, str, sldt, sgdt, sidt run at CPL 3.
  SysMachine m;
  m.c.s.r[RAX] = kData;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0x00}, true));  // sgdt [rax]
  EXPECT_EQ(m.get<uint16_t>(kData), kGdtEnd - 1);
  EXPECT_EQ(m.get<uint64_t>(kData + 2), kGdt);
  m.c.s.r[RAX] = kData + 16;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0x08}, true));  // sidt [rax]
  EXPECT_EQ(m.get<uint16_t>(kData + 16), 0xFFFu);
  EXPECT_EQ(m.get<uint64_t>(kData + 18), kIdt);
  m.c.s.r[RAX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xC8}, true));  // str eax
  EXPECT_EQ(m.c.s.r[RAX], kTssSel);
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0xE0}, true));  // smsw eax
  EXPECT_EQ(m.c.s.r[RAX], 0x80010033u);
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xC0}, true));  // sldt eax
  EXPECT_EQ(m.c.s.r[RAX], 0u);
}

TEST(Privilege, TimeStampDisableMakesRdtscPrivileged) {
  for (const Bytes& code : {Bytes{0x0F, 0x31}, Bytes{0x0F, 0x01, 0xF9}}) {
    SysMachine m;
    EXPECT_RETIRED(exec1(m, code, true));
    m.c.s.cr4 |= cr4_bit::TSD;
    EXPECT_FAULT(exec1(m, code, true), kGP, 0);
    EXPECT_RETIRED(exec1(m, code, false));
  }
}

// --- Control registers -------------------------------------------------------------

// mov crN, rax with rax = v at CPL 0.
RunResult mov_to_cr(SysMachine& m, int cr, uint64_t v) {
  m.c.s.r[RAX] = v;
  const uint8_t modrm = static_cast<uint8_t>(0xC0 | (cr & 7) << 3);
  return exec1(m, cr >= 8 ? Bytes{0x44, 0x0F, 0x22, modrm} : Bytes{0x0F, 0x22, modrm});
}
uint64_t mov_from_cr(SysMachine& m, int cr) {
  const uint8_t modrm = static_cast<uint8_t>(0xC0 | (cr & 7) << 3);
  EXPECT_RETIRED(exec1(m, cr >= 8 ? Bytes{0x44, 0x0F, 0x20, modrm} : Bytes{0x0F, 0x20, modrm}));
  return m.c.s.r[RAX];
}

TEST(ControlRegisters, Cr0Checks) {
  SysMachine m;
  const uint64_t cr0 = m.c.s.cr0;
  EXPECT_FAULT(mov_to_cr(m, 0, cr0 | (1ull << 32)), kGP, 0);               // reserved 63:32
  EXPECT_FAULT(mov_to_cr(m, 0, cr0 & ~cr0_bit::PG), kGP, 0);               // clear PG in 64-bit mode
  EXPECT_FAULT(mov_to_cr(m, 0, cr0 & ~cr0_bit::PE), kGP, 0);               // PG without PE
  EXPECT_FAULT(mov_to_cr(m, 0, cr0 | cr0_bit::NW), kGP, 0);                // NW without CD
  EXPECT_EQ(m.c.s.cr0, cr0);
  EXPECT_RETIRED(mov_to_cr(m, 0, (cr0 | cr0_bit::CD | cr0_bit::NW | cr0_bit::TS) & ~cr0_bit::ET));
  EXPECT_EQ(m.c.s.cr0, cr0 | cr0_bit::CD | cr0_bit::NW | cr0_bit::TS);     // ET reads 1
  EXPECT_EQ(mov_from_cr(m, 0), m.c.s.cr0);
  EXPECT_EQ(m.c.s.mode, CpuMode::Long64);
}

TEST(ControlRegisters, Cr4RejectsWhatCpuidDoesNotAdvertise) {
  using namespace cr4_bit;
  for (uint64_t bit : {VME, PVI, DE, PSE, MCE, UMIP, LA57, VMXE, SMXE, FSGSBASE, OSXSAVE, SMEP, SMAP, PKE,
                       uint64_t{1} << 15, uint64_t{1} << 23, uint64_t{1} << 32}) {
    SCOPED_TRACE(bit);
    SysMachine m;
    EXPECT_FAULT(mov_to_cr(m, 4, m.c.s.cr4 | bit), kGP, 0);
  }
  SysMachine m;
  EXPECT_FAULT(mov_to_cr(m, 4, m.c.s.cr4 & ~PAE), kGP, 0);  // PAE is required in IA-32e mode
  const uint64_t ok = PAE | PGE | TSD | PCE | OSFXSR | OSXMMEXCPT;
  EXPECT_RETIRED(mov_to_cr(m, 4, ok));
  EXPECT_EQ(mov_from_cr(m, 4), ok);
  // SMEP becomes legal when the machine advertises it.
  m.c.features.smep = true;
  EXPECT_RETIRED(mov_to_cr(m, 4, ok | SMEP));
}

TEST(ControlRegisters, PcideNeedsZeroPcidAndUnlocksCr3Bit63) {
  SysMachine m;
  m.c.s.cr3 = 0x100005;
  EXPECT_FAULT(mov_to_cr(m, 4, m.c.s.cr4 | cr4_bit::PCIDE), kGP, 0);
  m.c.s.cr3 = 0x100000;
  EXPECT_FAULT(mov_to_cr(m, 3, 0x100000 | (1ull << 63)), kGP, 0);  // bit 63 reserved without PCIDE
  EXPECT_RETIRED(mov_to_cr(m, 4, m.c.s.cr4 | cr4_bit::PCIDE));
  EXPECT_RETIRED(mov_to_cr(m, 3, 0x200007 | (1ull << 63)));      // no-flush hint, PCID 7
  EXPECT_FAULT(mov_to_cr(m, 3, 1ull << kPhysAddrBits), kGP, 0);    // above MAXPHYADDR
  EXPECT_RETIRED(mov_to_cr(m, 3, 1ull << (kPhysAddrBits - 1)));
  // Paging cannot be turned off with PCIDE set (from compatibility mode).
}

TEST(ControlRegisters, Cr3ReservedBitsAboveMaxPhyAddr) {
  SysMachine m;
  for (unsigned b = kPhysAddrBits; b < 64; ++b) {
    SCOPED_TRACE(b);
    EXPECT_FAULT(mov_to_cr(m, 3, 0x100000 | (1ull << b)), kGP, 0);
  }
  EXPECT_RETIRED(mov_to_cr(m, 3, 0x345000 | 0x18));  // PWT | PCD
  EXPECT_EQ(mov_from_cr(m, 3), 0x345018u);
}

TEST(ControlRegisters, Cr8IsTheTaskPriority) {
  SysMachine m;
  EXPECT_RETIRED(mov_to_cr(m, 8, 0xF));
  EXPECT_EQ(m.c.s.cr8, 0xFu);
  EXPECT_EQ(mov_from_cr(m, 8), 0xFu);
  EXPECT_FAULT(mov_to_cr(m, 8, 0x10), kGP, 0);
  EXPECT_RETIRED(mov_to_cr(m, 2, 0xDEADBEEF000));
  EXPECT_EQ(mov_from_cr(m, 2), 0xDEADBEEF000u);
  // cr1 does not exist.
  EXPECT_FAULT(exec1(m, {0x0F, 0x20, 0xC8}), kUD, 0);
  EXPECT_TRUE(m.c.stats().unimplemented.empty());
}

TEST(ControlRegisters, ReadsAndWritesAreReportedAsIntercepts) {
  SysMachine m;
  mov_to_cr(m, 3, 0x100000);
  mov_from_cr(m, 0);
  EXPECT_EQ(m.plat.intercepts, (std::vector<Intercept>{Intercept::CrWrite, Intercept::CrRead}));
}

// Compatibility-mode code at CPL 0 (CS = the 32-bit kernel code segment).
void enter_compat(SysMachine& m) {
  m.c.s.seg[CS] = Segment{kKernelCs32, 0, 0xFFFFFFFF, 0xC09B};
  m.c.mode_changed();
}

TEST(ControlRegisters, LeavingLongModeFromCompatibilityMode) {
  SysMachine m;
  enter_compat(m);
  ASSERT_EQ(m.c.s.mode, CpuMode::Compat32);
  m.c.s.cr4 |= cr4_bit::PCIDE;
  EXPECT_FAULT(mov_to_cr(m, 0, m.c.s.cr0 & ~cr0_bit::PG), kGP, 0);
  m.c.s.cr4 &= ~cr4_bit::PCIDE;
  EXPECT_RETIRED(mov_to_cr(m, 0, m.c.s.cr0 & ~cr0_bit::PG));
  EXPECT_EQ(m.c.s.efer & efer_bit::LMA, 0u);
  EXPECT_EQ(m.c.s.mode, CpuMode::Prot32);
  // Back on without PAE: #GP; with PAE: IA-32e mode again (compatibility).
  m.c.s.cr4 &= ~cr4_bit::PAE;
  EXPECT_FAULT(mov_to_cr(m, 0, m.c.s.cr0 | cr0_bit::PG), kGP, 0);
  m.c.s.cr4 |= cr4_bit::PAE;
  EXPECT_RETIRED(mov_to_cr(m, 0, m.c.s.cr0 | cr0_bit::PG));
  EXPECT_EQ(m.c.s.efer & efer_bit::LMA, efer_bit::LMA);
  EXPECT_EQ(m.c.s.mode, CpuMode::Compat32);
}

TEST(ControlRegisters, ActivatingLongModeWithCsLSetFaults) {
  SysMachine m;
  enter_compat(m);
  EXPECT_RETIRED(mov_to_cr(m, 0, m.c.s.cr0 & ~cr0_bit::PG));
  m.c.s.seg[CS].attr |= seg_attr::kL;  // ignored in legacy mode, but not allowed here
  EXPECT_FAULT(mov_to_cr(m, 0, m.c.s.cr0 | cr0_bit::PG), kGP, 0);
}

TEST(ControlRegisters, LmswAndClts) {
  SysMachine m;
  m.c.s.r[RAX] = 0xFFF0 | cr0_bit::TS | cr0_bit::MP;  // PE clear: lmsw cannot clear it
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0xF0}));
  EXPECT_EQ(m.c.s.cr0 & 0xF, cr0_bit::PE | cr0_bit::MP | cr0_bit::TS);
  EXPECT_RETIRED(exec1(m, {0x0F, 0x06}));
  EXPECT_EQ(m.c.s.cr0 & cr0_bit::TS, 0u);
}

// --- MSRs ------------------------------------------------------------------------

RunResult wrmsr(SysMachine& m, uint32_t msr, uint64_t v) {
  m.c.s.r[RCX] = msr;
  m.c.s.r[RAX] = static_cast<uint32_t>(v);
  m.c.s.r[RDX] = v >> 32;
  return exec1(m, {0x0F, 0x30});
}
uint64_t rdmsr(SysMachine& m, uint32_t msr) {
  m.c.s.r[RCX] = msr;
  m.c.s.r[RAX] = m.c.s.r[RDX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x32}));
  return (m.c.s.r[RDX] << 32) | m.c.s.r[RAX];
}

TEST(Msrs, UnknownMsrIsGp) {
  SysMachine m;
  EXPECT_FAULT(wrmsr(m, 0x12345, 0), kGP, 0);
  m.c.s.r[RCX] = 0x900;  // just past the x2APIC range
  EXPECT_FAULT(exec1(m, {0x0F, 0x32}), kGP, 0);
  EXPECT_EQ(m.plat.intercepts, (std::vector<Intercept>{Intercept::Wrmsr, Intercept::Rdmsr}));
}

TEST(Msrs, EferChecks) {
  SysMachine m;
  const uint64_t efer = m.c.s.efer;
  EXPECT_EQ(rdmsr(m, msr::kEfer), efer);
  EXPECT_FAULT(wrmsr(m, msr::kEfer, efer | 2), kGP, 0);                   // reserved
  EXPECT_FAULT(wrmsr(m, msr::kEfer, efer & ~efer_bit::LME), kGP, 0);      // LME with paging on
  EXPECT_RETIRED(wrmsr(m, msr::kEfer, efer & ~(efer_bit::LMA | efer_bit::NXE)));
  EXPECT_EQ(m.c.s.efer, efer & ~efer_bit::NXE);                           // LMA is read-only
  m.c.features.nx = false;
  EXPECT_FAULT(wrmsr(m, msr::kEfer, efer), kGP, 0);                       // NXE not advertised
}

TEST(Msrs, SegmentBasesMustBeCanonical) {
  SysMachine m;
  for (uint32_t r : {msr::kFsBase, msr::kGsBase, msr::kKernelGsBase, msr::kLstar, msr::kCstar}) {
    SCOPED_TRACE(r);
    EXPECT_FAULT(wrmsr(m, r, 0x0000800000000000ull), kGP, 0);
    EXPECT_RETIRED(wrmsr(m, r, 0xFFFF800000001000ull));
    EXPECT_EQ(rdmsr(m, r), 0xFFFF800000001000ull);
  }
  // FS_BASE is what fs: addressing uses.
  EXPECT_RETIRED(wrmsr(m, msr::kFsBase, kData));
  m.put<uint64_t>(kData + 0x10, 0x1122334455667788);
  EXPECT_RETIRED(exec1(m, {0x64, 0x48, 0x8B, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00}));  // mov rax, fs:[0x10]
  EXPECT_EQ(m.c.s.r[RAX], 0x1122334455667788u);
}

TEST(Msrs, SyscallMsrsTscPatAndTscAux) {
  SysMachine m;
  EXPECT_RETIRED(wrmsr(m, msr::kStar, 0x0123456789ABCDEF));
  EXPECT_EQ(rdmsr(m, msr::kStar), 0x0123456789ABCDEFu);
  EXPECT_FAULT(wrmsr(m, msr::kSfmask, 1ull << 32), kGP, 0);
  EXPECT_RETIRED(wrmsr(m, msr::kSfmask, 0x47700));
  EXPECT_EQ(rdmsr(m, msr::kSfmask), 0x47700u);
  EXPECT_EQ(rdmsr(m, msr::kPat), 0x0007040600070406u);
  EXPECT_FAULT(wrmsr(m, msr::kPat, 0x0007040600070402), kGP, 0);  // type 2 is reserved
  EXPECT_FAULT(wrmsr(m, msr::kPat, 0x0007040600070408), kGP, 0);
  EXPECT_RETIRED(wrmsr(m, msr::kPat, 0x0105060704000607));
  EXPECT_EQ(m.c.s.pat, 0x0105060704000607u);
  // TSC: a write sets the counter, which runs on from there.
  EXPECT_RETIRED(wrmsr(m, msr::kTsc, 1000000));
  EXPECT_EQ(rdmsr(m, msr::kTsc), 1000001u);
  // TSC_AUX is what rdtscp returns in ECX.
  EXPECT_FAULT(wrmsr(m, msr::kTscAux, 1ull << 32), kGP, 0);
  EXPECT_RETIRED(wrmsr(m, msr::kTscAux, 0x55));
  m.c.s.r[RCX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0xF9}));
  EXPECT_EQ(m.c.s.r[RCX], 0x55u);
  EXPECT_EQ((m.c.s.r[RDX] << 32 | m.c.s.r[RAX]), m.c.tsc() - 1);
}

TEST(Msrs, ApicMsrsGoToThePlatform) {
  SysMachine m;
  EXPECT_RETIRED(wrmsr(m, msr::kApicBase, 0xFEE00900));
  EXPECT_RETIRED(wrmsr(m, 0x808, 0x10));  // x2APIC TPR
  EXPECT_EQ(m.plat.msrs[msr::kApicBase], 0xFEE00900u);
  EXPECT_EQ(m.plat.msrs[0x808], 0x10u);
  EXPECT_EQ(rdmsr(m, 0x808), 0x10u);
  m.plat.refuse_msrs = true;
  EXPECT_FAULT(wrmsr(m, 0x830, 1), kGP, 0);
}

// --- syscall / sysret / swapgs ------------------------------------------------------

constexpr uint64_t kLstar = kKernelCode + 0x800;
constexpr uint64_t kSfmask = fl::IF | fl::TF | fl::DF | fl::AC;

void setup_syscall(SysMachine& m, const Bytes& kernel) {
  m.code(kUserCode, SNIPPET_CODE(user_syscall));
  m.code(kLstar, kernel);
  m.c.s.lstar = kLstar;
  m.c.s.sfmask = kSfmask;
  m.enter_user(kUserCode);
  m.c.s.rflags = fl::Reserved1 | fl::IF;
}

TEST(FastSyscall, SyscallEntersTheKernelAsStarSays) {
  SysMachine m;
  setup_syscall(m, SNIPPET_CODE(kernel_sysretq));
  EXPECT_RETIRED(m.c.run(5));  // four user instructions, then syscall
  const uint64_t user_flags = fl::Reserved1 | fl::IF | fl::CF | fl::DF | fl::OF;
  EXPECT_EQ(m.c.s.rip(), kLstar);
  EXPECT_EQ(m.c.s.cpl, 0);
  EXPECT_EQ(m.c.s.mode, CpuMode::Long64);
  EXPECT_EQ(m.c.s.seg[CS].selector, kKernelCs);
  EXPECT_EQ(m.c.s.seg[SS].selector, kKernelDs);
  EXPECT_EQ(m.c.s.r[R11], user_flags);
  EXPECT_EQ(m.c.s.rflags, user_flags & ~kSfmask);
  EXPECT_EQ(m.c.s.r[RCX], kUserCode + SNIPPET_CODE(user_syscall).size() - 4);  // after syscall
  EXPECT_EQ(m.c.s.r[RSP], kUserStack);  // syscall does not switch stacks
}

TEST(FastSyscall, SysretqReturnsToUserWithR11Flags) {
  SysMachine m;
  setup_syscall(m, SNIPPET_CODE(kernel_sysretq));
  // ...then the user's hlt raises #GP, delivered to the kernel's stub.
  ASSERT_EQ(m.run_to_handler(), kGP) << m.last.message;
  const uint64_t user_flags = fl::Reserved1 | fl::IF | fl::CF | fl::DF | fl::OF;
  const uint64_t after_syscall = kUserCode + SNIPPET_CODE(user_syscall).size() - 4;
  EXPECT_EQ(m.c.s.r[R9], after_syscall);
  EXPECT_EQ(m.c.s.r[R10], user_flags);
  EXPECT_EQ(m.c.s.r[R8], user_flags & ~kSfmask);  // the kernel's RFLAGS
  EXPECT_EQ(m.c.s.r[R13], after_syscall);         // user code after the return
  EXPECT_EQ(m.stack(1), after_syscall + 3);       // #GP at the user's hlt
  EXPECT_EQ(m.stack(2), kUserCs);
  EXPECT_EQ(m.stack(3), user_flags);
  EXPECT_EQ(m.stack(5), kUserDs);
}

TEST(FastSyscall, SysretlReturnsToCompatibilityMode) {
  SysMachine m;
  setup_syscall(m, SNIPPET_CODE(kernel_sysretl));
  m.c.s.r[RCX] = 0;
  EXPECT_RETIRED(m.c.run(6));
  EXPECT_EQ(m.c.s.mode, CpuMode::Compat32);
  EXPECT_EQ(m.c.s.cpl, 3);
  EXPECT_EQ(m.c.s.seg[CS].selector, kUserCs32);
  EXPECT_EQ(m.c.s.seg[SS].selector, kUserDs);
}

TEST(FastSyscall, SysretToNonCanonicalRcxFaultsInTheKernel) {
  SysMachine m;
  m.c.s.r[RCX] = 0x0000800000000000ull;
  EXPECT_FAULT(exec1(m, {0x48, 0x0F, 0x07}), kGP, 0);
  EXPECT_EQ(m.c.s.cpl, 0);
  EXPECT_EQ(m.c.s.rip(), kKernelCode);
}

TEST(FastSyscall, UndefinedWithoutSceOrOutside64BitMode) {
  SysMachine m;
  m.c.s.efer &= ~efer_bit::SCE;
  EXPECT_FAULT(exec1(m, {0x0F, 0x05}, true), kUD, 0);
  EXPECT_FAULT(exec1(m, {0x48, 0x0F, 0x07}), kUD, 0);
  SysMachine n;
  n.c.s.seg[CS] = Segment{kKernelCs32, 0, 0xFFFFFFFF, 0xC09B};
  n.c.mode_changed();
  EXPECT_FAULT(exec1(n, {0x0F, 0x05}), kUD, 0);
}

TEST(FastSyscall, SwapgsExchangesTheGsBases) {
  SysMachine m;
  m.c.s.seg[GS].base = 0x1111000;
  m.c.s.kernel_gs_base = kData;
  m.c.s.refresh_seg_bases();
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0xF8}));
  EXPECT_EQ(m.c.s.seg[GS].base, kData);
  EXPECT_EQ(m.c.s.kernel_gs_base, 0x1111000u);
  m.put<uint64_t>(kData + 8, 42);
  EXPECT_RETIRED(exec1(m, {0x65, 0x48, 0x8B, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00}));  // mov rax, gs:[8]
  EXPECT_EQ(m.c.s.r[RAX], 42u);
  enter_compat(m);
  EXPECT_FAULT(exec1(m, {0x0F, 0x01, 0xF8}), kUD, 0);
}

// --- iretq between rings -------------------------------------------------------------

TEST(Iret, ToRing3AndBackThroughInterrupts) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(kernel_to_user));
  m.code(kUserCode, SNIPPET_CODE(user_int80));
  m.code(0x11000, SNIPPET_CODE(count_iretq));
  m.set_gate(0x80, 0x11000, kKernelCs, 0xE, 3);
  ASSERT_EQ(m.run_to_handler(), kGP) << m.last.message;  // the user's hlt
  EXPECT_EQ(m.c.s.r[RAX], 2u);
  EXPECT_EQ(m.c.s.r[RCX], 2u);  // the handler ran twice
  EXPECT_EQ(m.stack(0), 0u);
  EXPECT_EQ(m.stack(1), kUserCode + SNIPPET_CODE(user_int80).size() - 1);
  EXPECT_EQ(m.stack(2), kUserCs);
  EXPECT_EQ(m.stack(3) & fl::IF, fl::IF);
  EXPECT_EQ(m.stack(4), kUserStack);
  EXPECT_EQ(m.stack(5), kUserDs);
  // The kernel's DPL 0 data segments were nulled on the way to ring 3.
  EXPECT_EQ(m.c.s.seg[DS].selector, 0u);
  EXPECT_EQ(m.c.s.seg[ES].selector, 0u);
}

// An iretq at the current privilege with the frame given.
RunResult iretq(SysMachine& m, uint64_t rip, uint64_t cs, uint64_t flags, uint64_t rsp, uint64_t ss,
                bool user = false) {
  const uint64_t sp = (user ? kUserStack : kRsp0) - 0x100;
  const uint64_t frame[5] = {rip, cs, flags, rsp, ss};
  m.write(sp, frame, sizeof frame);
  m.c.s.r[RSP] = sp;
  if (user) {
    m.c.set_stop_on_exception(true);
    m.code(kUserCode, {0x48, 0xCF});
    m.enter_user(kUserCode, sp);
    return m.c.run(1);
  }
  return exec1(m, {0x48, 0xCF});
}

TEST(Iret, ChecksTheFrame) {
  const uint64_t f = fl::Reserved1;
  {
    SysMachine m;
    EXPECT_RETIRED(iretq(m, kData, kKernelCs, f, 0x8000, 0));  // null SS back to CPL 0 is fine
    EXPECT_EQ(m.c.s.rip(), kData);
    EXPECT_EQ(m.c.s.r[RSP], 0x8000u);
  }
  {
    SysMachine m;
    EXPECT_FAULT(iretq(m, kData, kUserCs, f, 0x8000, kKernelDs), kGP, kKernelDs);  // SS RPL != CS RPL
    EXPECT_FAULT(iretq(m, kData, kUserCs, f, 0x8000, 0), kGP, 0);                  // null SS to CPL 3
    EXPECT_FAULT(iretq(m, 0x0000800000000000ull, kKernelCs, f, 0x8000, kKernelDs), kGP, 0);
    EXPECT_FAULT(iretq(m, kData, kKernelDs, f, 0x8000, kKernelDs), kGP, kKernelDs);  // not code
    EXPECT_FAULT(iretq(m, kData, kCode16, f, 0x8000, kKernelDs), kGP, kCode16);
    m.set_gdt(kKernelDs2, seg_desc(0, 0xFFFFF, 0xC013));  // writable data, DPL 0, not present
    EXPECT_FAULT(iretq(m, kData, kKernelCs, f, 0x8000, kKernelDs2), kNP, kKernelDs2);
    m.c.s.rflags |= fl::NT;
    EXPECT_FAULT(iretq(m, kData, kKernelCs, f, 0x8000, kKernelDs), kGP, 0);
    EXPECT_EQ(m.c.s.cpl, 0);
    EXPECT_EQ(m.c.s.rip(), kKernelCode);
  }
  {
    SysMachine m;  // from CPL 3 to CPL 0: #GP(CS)
    EXPECT_FAULT(iretq(m, kData, kKernelCs, f, 0x8000, kKernelDs, true), kGP, kKernelCs);
  }
}

TEST(Iret, FlagsFollowCplAndIopl) {
  const uint64_t f = fl::Reserved1 | fl::IF | fl::IOPL | fl::CF | fl::AC;
  SysMachine m;  // CPL 3, IOPL 0: IF and IOPL keep their values
  EXPECT_RETIRED(iretq(m, kUserCode, kUserCs, f, kUserStack, kUserDs, true));
  EXPECT_EQ(m.c.s.rflags, fl::Reserved1 | fl::CF | fl::AC);
  SysMachine n;  // CPL 0: all of them
  EXPECT_RETIRED(iretq(n, kUserCode, kUserCs, f, kUserStack, kUserDs));
  EXPECT_EQ(n.c.s.rflags, f);
  EXPECT_EQ(n.c.s.cpl, 3);
}

TEST(Iret, ToCompatibilityMode) {
  SysMachine m;
  EXPECT_RETIRED(iretq(m, 0x1234, kUserCs32, fl::Reserved1, 0x2000, kUserDs));
  EXPECT_EQ(m.c.s.mode, CpuMode::Compat32);
  EXPECT_EQ(m.c.s.cpl, 3);
  EXPECT_EQ(m.c.s.rip(), 0x1234u);
}

// --- Intercepts, no-ops, CPUID --------------------------------------------------------

TEST(Intercepts, EveryInterceptedInstructionIsReported) {
  SysMachine m;
  m.c.s.r[RAX] = kData;
  m.c.s.r[RBX] = kData;  // invpcid descriptor: zeros
  m.c.s.r[RCX] = 0;
  struct Case {
    Bytes code;
    Intercept what;
  };
  const std::vector<Case> cases = {
      {{0x0F, 0xA2}, Intercept::Cpuid},          {{0x0F, 0x31}, Intercept::Rdtsc},
      {{0x0F, 0x01, 0xF9}, Intercept::Rdtsc},    {{0xE4, 0x60}, Intercept::IoIn},
      {{0xE6, 0x80}, Intercept::IoOut},          {{0x0F, 0x01, 0x38}, Intercept::Invlpg},
      {{0x0F, 0x20, 0xC0}, Intercept::CrRead},   {{0x0F, 0x01, 0xC1}, Intercept::Vmcall},
      {{0xF4}, Intercept::Hlt},
  };
  for (const Case& k : cases) {
    m.plat.intercepts.clear();
    m.c.s.r[RAX] = kData;
    m.c.s.r[RCX] = 0;
    exec1(m, k.code);
    EXPECT_EQ(m.plat.intercepts, std::vector<Intercept>{k.what});
  }
  m.plat.intercepts.clear();
  m.c.s.r[RAX] = 2;  // invpcid type 2: all contexts
  EXPECT_RETIRED(exec1(m, {0x66, 0x0F, 0x38, 0x82, 0x03}));
  EXPECT_EQ(m.plat.intercepts, std::vector<Intercept>{Intercept::Invpcid});
}

TEST(Intercepts, VmcallIsUndefinedAfterTheIntercept) {
  SysMachine m;
  EXPECT_FAULT(exec1(m, {0x0F, 0x01, 0xC1}), kUD, 0);
}

TEST(Invpcid, Checks) {
  SysMachine m;
  m.c.s.r[RBX] = kData;
  auto invpcid = [&](uint64_t type, uint64_t lo, uint64_t la) {
    m.put<uint64_t>(kData, lo);
    m.put<uint64_t>(kData + 8, la);
    m.c.s.r[RAX] = type;
    return exec1(m, {0x66, 0x0F, 0x38, 0x82, 0x03});
  };
  EXPECT_FAULT(invpcid(4, 0, 0), kGP, 0);
  EXPECT_FAULT(invpcid(2, 1ull << 12, 0), kGP, 0);              // reserved descriptor bits
  EXPECT_FAULT(invpcid(0, 0, 0x0000800000000000ull), kGP, 0);   // non-canonical
  EXPECT_FAULT(invpcid(1, 5, 0), kGP, 0);                       // PCID 5 without CR4.PCIDE
  EXPECT_RETIRED(invpcid(0, 0, 0x1000));
  EXPECT_RETIRED(invpcid(3, 5, 0));
  m.c.s.cr4 |= cr4_bit::PCIDE;
  EXPECT_RETIRED(invpcid(1, 5, 0));
  m.c.features.invpcid = false;
  EXPECT_FAULT(invpcid(0, 0, 0), kUD, 0);
}

TEST(NoOps, CacheControlAndPrefetchAndXgetbv) {
  SysMachine m;
  m.c.s.r[RAX] = 0x7000000;  // outside RAM: the no-ops touch no memory
  for (const Bytes& code : {Bytes{0x0F, 0x09}, Bytes{0x0F, 0x08}, Bytes{0x0F, 0xAE, 0x38}, Bytes{0x0F, 0x18, 0x08},
                            Bytes{0x0F, 0x0D, 0x08}, Bytes{0x0F, 0x18, 0x00}})
    EXPECT_RETIRED(exec1(m, code));
  EXPECT_RETIRED(exec1(m, {0x0F, 0xAE, 0x38}, true));  // clflush at CPL 3
  EXPECT_FAULT(exec1(m, {0x0F, 0x01, 0xD0}), kUD, 0);  // xgetbv: no OSXSAVE
  EXPECT_FAULT(exec1(m, {0x0F, 0x01, 0xD1}), kUD, 0);  // xsetbv
  EXPECT_TRUE(m.c.stats().unimplemented.empty());
}

TEST(Cpuid, AdvertisesTheImplementedSystemFeatures) {
  const CpuFeatures f;
  const CpuidResult l1 = cpuid(f, 1, 0, 0);
  for (unsigned b : {5u, 6u, 9u, 13u, 16u}) EXPECT_TRUE(l1.edx >> b & 1) << "leaf 1 edx bit " << b;  // MSR PAE APIC PGE PAT
  for (unsigned b : {3u, 7u, 2u, 1u, 24u}) EXPECT_FALSE(l1.edx >> b & 1) << "leaf 1 edx bit " << b;  // PSE MCE DE VME FXSR
  EXPECT_TRUE(l1.ecx >> 17 & 1);   // PCID
  EXPECT_TRUE(l1.ecx >> 21 & 1);   // x2APIC
  EXPECT_FALSE(l1.ecx >> 26 & 1);  // XSAVE
  EXPECT_FALSE(l1.ecx >> 27 & 1);  // OSXSAVE
  EXPECT_FALSE(l1.ecx >> 5 & 1);   // VMX
  EXPECT_FALSE(l1.ecx >> 31 & 1);  // hypervisor
  const CpuidResult l7 = cpuid(f, 7, 0, 0);
  EXPECT_TRUE(l7.ebx >> 10 & 1);   // INVPCID
  EXPECT_FALSE(l7.ebx >> 7 & 1);   // SMEP
  EXPECT_FALSE(l7.ebx >> 20 & 1);  // SMAP
  EXPECT_FALSE(l7.ebx >> 0 & 1);   // FSGSBASE
  const CpuidResult e1 = cpuid(f, 0x80000001, 0, 0);
  for (unsigned b : {11u, 20u, 26u, 27u, 29u}) EXPECT_TRUE(e1.edx >> b & 1) << "ext edx bit " << b;
}

}  // namespace
}  // namespace vmsim::cpu::systest
