// Instruction fetch faults. A branch to an address with no page behind it
// completes; the fetch at the target then raises #PF with RIP and CR2 on the
// target (SDM Vol. 3A, 6.15, interrupt 14: the saved CS:EIP points to the
// instruction that faulted, here the one at the target that could not be
// fetched). Found by the fuzzer: the fault used to escape Cpu::run().
#include <gtest/gtest.h>

#include <cstring>

#include "core/flat_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "cpu/cpu.h"

namespace vmsim::cpu {
namespace {

struct Machine {
  HostMemory host{1ull << 20};
  GuestRam ram{host, 1ull << 20};
  FlatMmu mmu{ram};
  NullPlatform platform;
  Cpu c{mmu, ram, platform};

  explicit Machine(const std::vector<uint8_t>& code) {
    std::memcpy(ram.host_ptr(Gpa(0x1000)), code.data(), code.size());
    c.s.rip() = 0x1000;
    c.s.r[RSP] = 0x8000;
  }
};

TEST(FetchFault, BranchToUnbackedAddressFaultsAtTarget) {
  Machine m({0xE9, 0x00, 0x00, 0x20, 0x00});  // jmp rel32 to 0x201005 (beyond 1 MiB of RAM)
  for (bool stop : {true, false}) {
    m.c.s.rip() = 0x1000;
    m.c.set_stop_on_exception(stop);
    RunResult r;
    ASSERT_NO_THROW(r = m.c.run(100));
    EXPECT_EQ(r.reason, stop ? StopReason::Exception : StopReason::TripleFault);
    EXPECT_EQ(r.exception.vector, kPF);
    EXPECT_EQ(m.c.s.rip(), 0x201005u);
    EXPECT_EQ(m.c.s.cr2, 0x201005u);
  }
  EXPECT_EQ(m.c.instructions(), 2u);  // each jmp retired; the fetch did not
}

TEST(FetchFault, FirstFetchOfARunCanFault) {
  Machine m({0x90});
  m.c.set_stop_on_exception(true);
  m.c.s.rip() = 0x300000;
  RunResult r;
  ASSERT_NO_THROW(r = m.c.run(10));
  EXPECT_EQ(r.reason, StopReason::Exception);
  EXPECT_EQ(r.exception.vector, kPF);
  EXPECT_EQ(r.exception.error & 16u, 16u);  // instruction fetch
  EXPECT_EQ(m.c.instructions(), 0u);
}

TEST(FetchFault, NonCanonicalRipIsGeneralProtection) {
  Machine m({0x90});
  m.c.set_stop_on_exception(true);
  m.c.s.rip() = 0x0000800000000000ull;
  RunResult r;
  ASSERT_NO_THROW(r = m.c.run(10));
  EXPECT_EQ(r.reason, StopReason::Exception);
  EXPECT_EQ(r.exception.vector, kGP);
}

}  // namespace
}  // namespace vmsim::cpu
