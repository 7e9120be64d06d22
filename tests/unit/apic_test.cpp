// The local APIC: the instruction-count timer, priorities, EOI, x2APIC MSRs.
#include <gtest/gtest.h>

#include "vmm/apic.h"

namespace vmsim {
namespace {

constexpr uint64_t kSpiv = 0xF0, kEoi = 0xB0, kTpr = 0x80, kLvtTimer = 0x320, kInitial = 0x380,
                   kCurrent = 0x390, kDivide = 0x3E0, kIcrLow = 0x300;

LocalApic enabled_apic() {
  LocalApic a;
  a.mmio_write(kSpiv, 0x1FF, 0);  // software enable, spurious vector 0xFF
  return a;
}

TEST(Apic, OneShotTimerFiresOnceAtTheExactInstruction) {
  LocalApic a = enabled_apic();
  a.mmio_write(kDivide, 0xB, 0);        // divide by 1
  a.mmio_write(kLvtTimer, 0x20, 0);     // vector 32, one-shot, unmasked
  a.mmio_write(kInitial, 1000, 500);    // armed at instruction 500
  EXPECT_EQ(a.next_event(), 1500u);
  EXPECT_EQ(a.mmio_read(kCurrent, 800), 700u);
  a.advance(1499);
  EXPECT_EQ(a.pending(), -1);
  a.advance(1500);
  EXPECT_EQ(a.pending(), 0x20);
  EXPECT_EQ(a.next_event(), ~0ull);
  EXPECT_EQ(a.mmio_read(kCurrent, 2000), 0u);
  EXPECT_EQ(a.timer_interrupts(), 1u);
}

TEST(Apic, PeriodicTimerAndDivisor) {
  LocalApic a = enabled_apic();
  a.mmio_write(kDivide, 0x3, 0);                  // divide by 16
  a.mmio_write(kLvtTimer, 0x20 | (1u << 17), 0);  // periodic
  a.mmio_write(kInitial, 10, 0);                  // 160 instructions per period
  EXPECT_EQ(a.next_event(), 160u);
  a.advance(500);                                  // three periods passed
  EXPECT_EQ(a.timer_interrupts(), 3u);
  EXPECT_EQ(a.next_event(), 640u);
  EXPECT_EQ(a.mmio_read(kCurrent, 500), 10u - (500 - 480) / 16);
}

TEST(Apic, MaskedOrDisabledTimerRaisesNothing) {
  LocalApic a = enabled_apic();
  a.mmio_write(kDivide, 0xB, 0);
  a.mmio_write(kLvtTimer, 0x20 | (1u << 16), 0);  // masked
  a.mmio_write(kInitial, 10, 0);
  a.advance(100);
  EXPECT_EQ(a.pending(), -1);
  LocalApic off;  // software-disabled after reset: LVT writes stay masked
  off.mmio_write(kLvtTimer, 0x20, 0);
  EXPECT_TRUE(off.mmio_read(kLvtTimer, 0) & (1u << 16));
}

TEST(Apic, PriorityInServiceAndEoi) {
  LocalApic a = enabled_apic();
  a.mmio_write(kIcrLow, (1u << 18) | 0x40, 0);  // self IPI, vector 0x40
  a.mmio_write(kIcrLow, (1u << 18) | 0x30, 0);
  EXPECT_EQ(a.pending(), 0x40);
  a.acknowledge(0x40);
  EXPECT_EQ(a.pending(), -1);  // 0x30 is below the in-service class 0x40
  a.mmio_write(kEoi, 0, 0);
  EXPECT_EQ(a.pending(), 0x30);
  a.mmio_write(kTpr, 0x30, 0);  // task priority masks class 3
  EXPECT_EQ(a.pending(), -1);
  EXPECT_EQ(a.mmio_read(kIcrLow, 0) & (1u << 12), 0u);  // the busy bit reads 0
}

TEST(Apic, X2ApicMsrs) {
  LocalApic a;
  uint64_t v = 0;
  EXPECT_FALSE(a.rdmsr(0x808, v, 0));  // xAPIC mode: the x2APIC range does not exist
  ASSERT_TRUE(a.rdmsr(kMsrApicBase, v, 0));
  EXPECT_EQ(v, 0xFEE00900u);
  EXPECT_FALSE(a.wrmsr(kMsrApicBase, 0xFEE00000 | (1u << 10), 0));  // EXTD without EN
  ASSERT_TRUE(a.wrmsr(kMsrApicBase, 0xFEE00000 | (1u << 11) | (1u << 10) | (1u << 8), 0));
  ASSERT_TRUE(a.wrmsr(0x80F, 0x1FF, 0));
  ASSERT_TRUE(a.wrmsr(0x83E, 0xB, 0));
  ASSERT_TRUE(a.wrmsr(0x832, 0x21, 0));
  ASSERT_TRUE(a.wrmsr(0x838, 50, 100));
  ASSERT_TRUE(a.rdmsr(0x839, v, 120));
  EXPECT_EQ(v, 30u);
  EXPECT_FALSE(a.wrmsr(0x839, 1, 0));   // current count is read-only
  EXPECT_FALSE(a.wrmsr(0x80B, 1, 0));   // a non-zero EOI faults
  EXPECT_TRUE(a.wrmsr(0x83F, 0x50, 0)); // SELF IPI
  EXPECT_EQ(a.pending(), 0x50);
  EXPECT_EQ(a.mmio_read(kSpiv, 0), 0u); // MMIO is off in x2APIC mode
}

}  // namespace
}  // namespace vmsim
