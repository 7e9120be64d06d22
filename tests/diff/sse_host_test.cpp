// The SSE floating-point instructions checked against the host processor.
//
// Unicorn 2.0.1 sets no MXCSR exception flag and raises no #XM (see
// reconcile_sse() in lockstep.cpp), so the lock-step tests cannot check
// them. This test can: it runs each instruction natively on the host (an
// x86-64, which vmsim requires for its SSE arithmetic anyway) with the guest's
// MXCSR, unmasked exceptions included, catching the host's SIGFPE, and runs
// the same instruction bytes in vmsim. Result, MXCSR, RFLAGS and the fault
// (#XM = vector 19, with the destination unchanged) must agree exactly.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <csetjmp>
#include <csignal>
#include <random>
#include <cstring>
#include <string>
#include <ucontext.h>
#include <vector>

#include "core/flat_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "cpu/cpu.h"
#include "cpu/insn_table.h"

// Each native_* function is one instruction and a ret; vmsim runs the same
// instruction bytes. sse_native_call(ctx, fn) loads xmm0, xmm1, rax and
// MXCSR from ctx, calls fn, and stores xmm0, rax, MXCSR and RFLAGS back,
// restoring the host's MXCSR (unless fn faults: see run_native()).
extern "C" {
void sse_native_call(void* ctx, const void* fn);
#define NATIVE(name) extern const uint8_t native_##name[];
NATIVE(addsd) NATIVE(subsd) NATIVE(mulsd) NATIVE(divsd) NATIVE(sqrtsd)
NATIVE(comisd) NATIVE(ucomisd)
NATIVE(cmpsd0) NATIVE(cmpsd1) NATIVE(cmpsd2) NATIVE(cmpsd3)
NATIVE(cmpsd4) NATIVE(cmpsd5) NATIVE(cmpsd6) NATIVE(cmpsd7) NATIVE(cmpsd_fd)
NATIVE(cvtsi2sd_r64) NATIVE(cvtsi2sd_r32) NATIVE(cvttsd2si_r32) NATIVE(cvttsd2si_r64)
#undef NATIVE
}

asm(R"(
        .pushsection .text.sse_host_test, "ax"
        .intel_syntax noprefix
        .globl sse_native_call
sse_native_call:
        push rbx
        mov rbx, rdi
        stmxcsr [rbx+40]
        movq xmm0, [rbx]
        movq xmm1, [rbx+8]
        mov rax, [rbx+16]
        ldmxcsr [rbx+24]
        call rsi
        pushfq
        pop rcx
        mov [rbx+32], rcx
        stmxcsr [rbx+28]
        movq [rbx], xmm0
        mov [rbx+16], rax
        ldmxcsr [rbx+40]
        pop rbx
        ret

        .macro NATIVE name, insn:vararg
        .globl native_\name
native_\name:
        \insn
        ret
        .endm
        NATIVE addsd, addsd xmm0, xmm1
        NATIVE subsd, subsd xmm0, xmm1
        NATIVE mulsd, mulsd xmm0, xmm1
        NATIVE divsd, divsd xmm0, xmm1
        NATIVE sqrtsd, sqrtsd xmm0, xmm1
        NATIVE comisd, comisd xmm0, xmm1
        NATIVE ucomisd, ucomisd xmm0, xmm1
        NATIVE cmpsd0, cmpsd xmm0, xmm1, 0
        NATIVE cmpsd1, cmpsd xmm0, xmm1, 1
        NATIVE cmpsd2, cmpsd xmm0, xmm1, 2
        NATIVE cmpsd3, cmpsd xmm0, xmm1, 3
        NATIVE cmpsd4, cmpsd xmm0, xmm1, 4
        NATIVE cmpsd5, cmpsd xmm0, xmm1, 5
        NATIVE cmpsd6, cmpsd xmm0, xmm1, 6
        NATIVE cmpsd7, cmpsd xmm0, xmm1, 7
        NATIVE cmpsd_fd, .byte 0xf2, 0x0f, 0xc2, 0xc1, 0xfd
        NATIVE cvtsi2sd_r64, cvtsi2sd xmm0, rax
        NATIVE cvtsi2sd_r32, cvtsi2sd xmm0, eax
        NATIVE cvttsd2si_r32, cvttsd2si eax, xmm0
        NATIVE cvttsd2si_r64, cvttsd2si rax, xmm0
        .att_syntax prefix
        .popsection
)");

namespace vmsim::cpu {
namespace {

// Layout shared with sse_native_call.
struct NativeCtx {
  uint64_t xmm0, xmm1, rax;
  uint32_t mxcsr_in, mxcsr_out;
  uint64_t rflags;
  uint32_t saved;
};
static_assert(offsetof(NativeCtx, mxcsr_in) == 24 && offsetof(NativeCtx, rflags) == 32 &&
              offsetof(NativeCtx, saved) == 40);

struct Result {
  int vector = -1;  // 19 for #XM
  uint64_t xmm0 = 0, rax = 0, rflags = 0;
  uint32_t mxcsr = 0;
};

sigjmp_buf g_fault_jmp;
volatile uint32_t g_fault_mxcsr;
volatile uint64_t g_fault_xmm0, g_fault_rax;

void on_sigfpe(int, siginfo_t*, void* p) {
  const auto* uc = static_cast<const ucontext_t*>(p);
  g_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  uint64_t x;
  std::memcpy(&x, &uc->uc_mcontext.fpregs->_xmm[0], 8);
  g_fault_xmm0 = x;
  g_fault_rax = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RAX]);
  siglongjmp(g_fault_jmp, 1);
}

Result run_native(const uint8_t* fn, uint64_t a, uint64_t b, uint64_t rax, uint32_t mxcsr) {
  struct sigaction sa {}, old{};
  sa.sa_sigaction = on_sigfpe;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGFPE, &sa, &old);
  const unsigned host_csr = _mm_getcsr();
  static NativeCtx ctx;  // static: it must survive the longjmp
  ctx = NativeCtx{a, b, rax, mxcsr, 0, 0x2, 0};
  Result r;
  if (sigsetjmp(g_fault_jmp, 1) == 0) {
    sse_native_call(&ctx, fn);
    r.xmm0 = ctx.xmm0;
    r.rax = ctx.rax;
    r.mxcsr = ctx.mxcsr_out;
    r.rflags = ctx.rflags;
  } else {
    _mm_setcsr(host_csr);  // the fault skipped the trampoline's restore
    r.vector = 19;
    r.xmm0 = g_fault_xmm0;
    r.rax = g_fault_rax;
    r.mxcsr = g_fault_mxcsr;
  }
  sigaction(SIGFPE, &old, nullptr);
  return r;
}


class SseHost : public ::testing::Test {
 protected:
  static constexpr uint64_t kCode = 0x1000;
  HostMemory host{16ull << 20};
  GuestRam ram{host, 1ull << 20};
  FlatMmu mmu{ram};
  NullPlatform platform;
  Cpu cpu{mmu, ram, platform};
  const uint8_t* loaded = nullptr;

  SseHost() { cpu.set_stop_on_exception(true); }

  Result run_vmsim(const uint8_t* fn, uint64_t a, uint64_t b, uint64_t rax, uint32_t mxcsr) {
    if (fn != loaded) {
      std::memcpy(ram.host_ptr(Gpa(kCode)), fn, kMaxInsnLen);
      cpu.notify_phys_write(Gpa(kCode));
      loaded = fn;
    }
    cpu.s.rip() = kCode;
    cpu.s.xmm[0] = Xmm{};
    cpu.s.xmm[0].set<uint64_t>(0, a);
    cpu.s.xmm[1] = Xmm{};
    cpu.s.xmm[1].set<uint64_t>(0, b);
    cpu.s.r[RAX] = rax;
    cpu.s.mxcsr = mxcsr;
    cpu.s.rflags = 0x2;
    const RunResult rr = cpu.run(1);
    Result r;
    if (rr.reason == StopReason::Exception) r.vector = rr.exception.vector;
    r.xmm0 = cpu.s.xmm[0].lo();
    r.rax = cpu.s.r[RAX];
    r.mxcsr = cpu.s.mxcsr;
    r.rflags = cpu.s.rflags;
    return r;
  }

  // Runs 'fn' over every operand pair and MXCSR value; returns the number of
  // mismatches (the first few are reported).
  int compare(const char* name, const uint8_t* fn, const std::vector<uint64_t>& as,
              const std::vector<uint64_t>& bs, bool use_rax, bool check_rflags) {
    int bad = 0;
    for (uint32_t mx : kMxcsr) {
      for (uint64_t a : as) {
        for (uint64_t b : bs) {
          const uint64_t rax = use_rax ? b : 0x1111;
          const Result n = run_native(fn, a, b, rax, mx);
          const Result v = run_vmsim(fn, a, b, rax, mx);
          const uint64_t fmask = check_rflags && n.vector < 0 ? 0x8D5 : 0;
          if (n.vector == v.vector && n.xmm0 == v.xmm0 && n.rax == v.rax && n.mxcsr == v.mxcsr &&
              ((n.rflags ^ v.rflags) & fmask) == 0)
            continue;
          if (++bad <= 8) {
            ADD_FAILURE() << std::hex << name << " a=" << a << " b=" << b << " mxcsr=" << mx
                          << "\n  host:  vector " << std::dec << n.vector << std::hex << " xmm0=" << n.xmm0
                          << " rax=" << n.rax << " mxcsr=" << n.mxcsr << " rflags=" << n.rflags
                          << "\n  vmsim: vector " << std::dec << v.vector << std::hex << " xmm0=" << v.xmm0
                          << " rax=" << v.rax << " mxcsr=" << v.mxcsr << " rflags=" << v.rflags;
          }
        }
      }
    }
    return bad;
  }

  // Rounding modes, DAZ, FTZ, each exception unmasked alone, all unmasked,
  // unmasked with FTZ or DAZ, and a pending unmasked flag (PE set, PM clear).
  static constexpr uint32_t kMxcsr[] = {0x1F80, 0x3F80, 0x5F80, 0x7F80, 0x1FC0, 0x9F80, 0xFFC0,
                                        0x1F00, 0x1E80, 0x1D80, 0x1B80, 0x1780, 0x0F80, 0x0000,
                                        0x9780, 0x0040, 0x0FA0, 0x7E80, 0x5B80, 0x3780};
};

const std::vector<uint64_t> kDoubles = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x800FFFFFFFFFFFFF,
    0x0008000000000000, 0x0010000000000000, 0x0010000000000001, 0x0018000000000000,
    0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000,
    0x7FF8000000000000, 0x7FF8000000000123, 0xFFF0000000000456, 0x7FF4000000000001,
    0x3FF0000000000000, 0x3FF8000000000000, 0xBFF0000000000001, 0x3FD5555555555555,
    0x4008000000000000, 0x3CA0000000000000, 0x3FE0000000000000, 0x3FD0000000000000,
    0x7E37E43C8800759C, 0x01A56E1FC2F8F359, 0x41E0000000000000, 0xC1E0000000200000,
    0x43E0000000000000, 0xC3E0000000000000, 0x41DFFFFFFFE00000, 0xBFEFFFFFFFFFFFFF,
};

const std::vector<uint64_t> kInts = {
    0, 1, ~0ull, 0x7FFFFFFF, 0xFFFFFFFF80000000, 0x80000000, 0x20000000000001,
    0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFD, 0x123456789ABCDEF1,
    0xFEDCBA9876543211, 0x7FFFFFFFFFFFFDFF, 0x0000000100000001, 0x40000000000000C0,
};

TEST_F(SseHost, Arithmetic) {
  EXPECT_EQ(compare("addsd", native_addsd, kDoubles, kDoubles, false, false), 0);
  EXPECT_EQ(compare("subsd", native_subsd, kDoubles, kDoubles, false, false), 0);
  EXPECT_EQ(compare("mulsd", native_mulsd, kDoubles, kDoubles, false, false), 0);
  EXPECT_EQ(compare("divsd", native_divsd, kDoubles, kDoubles, false, false), 0);
  EXPECT_EQ(compare("sqrtsd", native_sqrtsd, {0x4000000000000000}, kDoubles, false, false), 0);
}

// Random operands crowded at the ends of the exponent range, with short and
// full mantissas, so that overflow, underflow, exact and inexact tiny results
// and denormal operands all come up often.
std::vector<uint64_t> random_doubles(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v;
  static const uint64_t kExp[] = {0, 0, 1, 2, 0x35, 0x3FE, 0x3FF, 0x400, 0x7CB, 0x7FD, 0x7FE, 0x7FE};
  for (int i = 0; i < n; ++i) {
    const uint64_t e = rng() % 4 ? kExp[rng() % 12] : rng() % 0x7FF;
    uint64_t m = rng() & 0x000FFFFFFFFFFFFF;
    if (rng() % 2) m &= ~0ull << (rng() % 53);  // few significant bits: exact results
    v.push_back((rng() << 63) | (e << 52) | m);
  }
  return v;
}

TEST_F(SseHost, ArithmeticRandom) {
  const std::vector<uint64_t> a = random_doubles(1, 48), b = random_doubles(2, 48);
  EXPECT_EQ(compare("addsd", native_addsd, a, b, false, false), 0);
  EXPECT_EQ(compare("subsd", native_subsd, a, b, false, false), 0);
  EXPECT_EQ(compare("mulsd", native_mulsd, a, b, false, false), 0);
  EXPECT_EQ(compare("divsd", native_divsd, a, b, false, false), 0);
  EXPECT_EQ(compare("sqrtsd", native_sqrtsd, {0}, a, false, false), 0);
}

TEST_F(SseHost, Compare) {
  EXPECT_EQ(compare("comisd", native_comisd, kDoubles, kDoubles, false, true), 0);
  EXPECT_EQ(compare("ucomisd", native_ucomisd, kDoubles, kDoubles, false, true), 0);
}

// cmpsd is bound through the string group's CMPSD entry (bind_sse_cmpsd).
TEST_F(SseHost, Cmpsd) {
  if (!binder_for(ZYDIS_MNEMONIC_CMPSD)) GTEST_SKIP() << "CMPSD is not bound (string group missing)";
  const uint8_t* const cmp[] = {native_cmpsd0, native_cmpsd1, native_cmpsd2, native_cmpsd3,
                                native_cmpsd4, native_cmpsd5, native_cmpsd6, native_cmpsd7,
                                native_cmpsd_fd};
  for (const uint8_t* fn : cmp) EXPECT_EQ(compare("cmpsd", fn, kDoubles, kDoubles, false, false), 0);
}

TEST_F(SseHost, Convert) {
  EXPECT_EQ(compare("cvtsi2sd r64", native_cvtsi2sd_r64, {0x4000000000000000}, kInts, true, false), 0);
  EXPECT_EQ(compare("cvtsi2sd r32", native_cvtsi2sd_r32, {0x4000000000000000}, kInts, true, false), 0);
  EXPECT_EQ(compare("cvttsd2si r32", native_cvttsd2si_r32, kDoubles, {0}, false, false), 0);
  EXPECT_EQ(compare("cvttsd2si r64", native_cvttsd2si_r64, kDoubles, {0}, false, false), 0);
}

// A misaligned m128 operand is #GP(0) even where the page is not mapped:
// the alignment check comes before translation.
TEST_F(SseHost, AlignmentFaultBeforePageFault) {
  static const uint8_t movdqa[] = {0x66, 0x0f, 0x6f, 0x00};  // movdqa xmm0, [rax]
  std::memcpy(ram.host_ptr(Gpa(kCode)), movdqa, sizeof movdqa);
  cpu.notify_phys_write(Gpa(kCode));
  loaded = nullptr;
  cpu.s.rip() = kCode;
  cpu.s.r[RAX] = 0x7FFF00000008;  // beyond guest RAM, and 8 bytes off
  RunResult rr = cpu.run(1);
  EXPECT_EQ(rr.reason, StopReason::Exception);
  EXPECT_EQ(rr.exception.vector, kGP);
  EXPECT_TRUE(rr.exception.has_error);
  EXPECT_EQ(rr.exception.error, 0u);
  EXPECT_EQ(cpu.s.rip(), kCode);
}

// fldcw keeps the reserved bits of the x87 control word as hardware does:
// bit 6 set, bits 13..15 clear (checked against the host).
TEST_F(SseHost, FpuControlWordReservedBits) {
  static const uint8_t code[] = {0xd9, 0x28, 0xd9, 0x78, 0x02};  // fldcw [rax]; fnstcw [rax+2]
  std::memcpy(ram.host_ptr(Gpa(kCode)), code, sizeof code);
  cpu.notify_phys_write(Gpa(kCode));
  loaded = nullptr;
  for (uint16_t v : {0x0000, 0xFFFF, 0x037F, 0x1234, 0xE0C0, 0x8F3F}) {
    uint16_t host_out, saved;
    asm volatile("fnstcw %[s]\n\tfldcw %[v]\n\tfnstcw %[o]\n\tfldcw %[s]"
                 : [o] "=m"(host_out), [s] "=m"(saved)
                 : [v] "m"(v));
    cpu.s.rip() = kCode;
    cpu.s.r[RAX] = 0x2000;
    std::memcpy(ram.host_ptr(Gpa(0x2000)), &v, 2);
    ASSERT_EQ(cpu.run(2).reason, StopReason::Budget);
    uint16_t out;
    std::memcpy(&out, ram.host_ptr(Gpa(0x2002)), 2);
    EXPECT_EQ(out, host_out) << std::hex << "fldcw " << v;
    EXPECT_EQ(cpu.s.fpu_cw, host_out);
  }
}

// ldmxcsr: any value with bits 16..31 clear loads; others raise #GP(0) and
// leave MXCSR alone.
TEST_F(SseHost, LdmxcsrReservedBits) {
  static const uint8_t code[] = {0x0f, 0xae, 0x10};  // ldmxcsr [rax]
  std::memcpy(ram.host_ptr(Gpa(kCode)), code, sizeof code);
  cpu.notify_phys_write(Gpa(kCode));
  loaded = nullptr;
  for (uint32_t v : {0x0000FFFFu, 0x00010000u, 0x80001F80u, 0x00000000u}) {
    cpu.s.rip() = kCode;
    cpu.s.r[RAX] = 0x2000;
    cpu.s.mxcsr = 0x1F80;
    std::memcpy(ram.host_ptr(Gpa(0x2000)), &v, 4);
    const RunResult rr = cpu.run(1);
    if (v >> 16) {
      EXPECT_EQ(rr.reason, StopReason::Exception);
      EXPECT_EQ(rr.exception.vector, kGP);
      EXPECT_EQ(cpu.s.mxcsr, 0x1F80u);
    } else {
      EXPECT_EQ(rr.reason, StopReason::Budget);
      EXPECT_EQ(cpu.s.mxcsr, v);
    }
  }
}

}  // namespace
}  // namespace vmsim::cpu
