// The shadow backend's structures, driven directly: a four-level guest
// table in guest RAM, translations through ShadowMmu, and what they leave in
// the guest entries, the write protection and the audit.
#include <gtest/gtest.h>

#include <cstring>

#include "core/tlb.h"
#include "core/vmx.h"
#include "mmu_shadow/shadow_mmu.h"

namespace vmsim {
namespace {

namespace pg = paging;

class ShadowUnit : public ::testing::Test {
 protected:
  // VA 0x400000 -> guest frame 5 through PML4 (gfn 1), PDPT (2), PD (3), PT (4).
  static constexpr uint64_t kVa = 0x400000;
  HostMemory host{64ull << 20};
  GuestRam ram{host, 16ull << 20};
  Vmx vmx{true};
  Tlb tlb;
  ShadowMmu mmu{vmx, ram, host, ShadowOptions{}};
  PagingState ps{(1ull << 31) | (1ull << 16) | 1, 0x1000, 1ull << 5, (1ull << 8) | (1ull << 10) | (1ull << 11)};

  void SetUp() override {
    vmx.attach_tlb(&tlb);
    mmu.attach_tlb(&tlb);
    set(1, 0, 0x2000 | pg::kP | pg::kRW | pg::kUS);
    set(2, 0, 0x3000 | pg::kP | pg::kRW | pg::kUS);
    set(3, 2, 0x4000 | pg::kP | pg::kRW | pg::kUS);
    set(4, 0, 0x5000 | pg::kP | pg::kRW);  // supervisor, clean, not accessed
  }
  uint64_t& entry(uint64_t gfn, unsigned i) {
    return *reinterpret_cast<uint64_t*>(ram.host_ptr(Gpa((gfn << kPageShift) + 8 * i)));
  }
  void set(uint64_t gfn, unsigned i, uint64_t v) { entry(gfn, i) = v; }
  bool go(Access kind, bool user, uint64_t va, Translation& t, PageFault& f) {
    return mmu.translate(ps, AccessRequest{Gva(va), kind, user}, t, f);
  }
  uint64_t traps(TrapKind k) const { return vmx.stats().traps[static_cast<int>(k)]; }
};

TEST_F(ShadowUnit, ReadFillsWithAHiddenFaultSetsAAndWriteProtectsTheTables) {
  Translation t;
  PageFault f;
  ASSERT_TRUE(go(Access::Read, false, kVa + 0x10, t, f));
  Hfn h;
  ASSERT_TRUE(ram.back(Gfn(5), h));
  EXPECT_EQ(t.pbase, h.value << kPageShift);
  EXPECT_FALSE(t.writable);  // clean: the first write must trap to set D
  EXPECT_EQ(traps(TrapKind::ShadowHiddenFault), 1u);
  EXPECT_EQ(vmx.stats().soft_walks, 1u);
  EXPECT_TRUE(entry(4, 0) & pg::kA);
  EXPECT_FALSE(entry(4, 0) & pg::kD);
  for (uint64_t gfn : {1, 2, 3, 4}) EXPECT_TRUE(mmu.write_protected(gfn)) << gfn;
  EXPECT_FALSE(mmu.write_protected(5));
  EXPECT_EQ(mmu.shadow_pages_live(), 4u);
  EXPECT_EQ(mmu.walks().count, 2u);  // the walk that missed and its retry
  EXPECT_EQ(mmu.walks().mem_refs, 1u + 4u);  // it stopped at the empty root; the retry is complete
  EXPECT_EQ(mmu.audit(), "");

  // Now a hardware hit: no exit.
  ASSERT_TRUE(go(Access::Read, false, kVa, t, f));
  EXPECT_EQ(vmx.stats().exits, 1u);

  // The first write traps once and sets D; the spte becomes writable.
  ASSERT_TRUE(go(Access::Write, false, kVa, t, f));
  EXPECT_EQ(traps(TrapKind::ShadowDirty), 1u);
  EXPECT_TRUE(entry(4, 0) & pg::kD);
  EXPECT_TRUE(t.writable && t.dirty && !t.watch_writes);
  EXPECT_EQ(mmu.audit(), "");
}

TEST_F(ShadowUnit, TrueFaultsAreInjectedWithNativesErrorCode) {
  Translation t;
  PageFault f;
  EXPECT_FALSE(go(Access::Read, true, kVa, t, f));  // user access to a supervisor page
  EXPECT_EQ(f.error_code, pg::kPfPresent | pg::kPfUser);
  EXPECT_EQ(f.address.value, kVa);
  EXPECT_FALSE(entry(4, 0) & pg::kA);  // a faulting walk sets nothing
  EXPECT_FALSE(go(Access::Write, false, kVa + 0x1000, t, f));  // PT entry 1 not present
  EXPECT_EQ(f.error_code, pg::kPfWrite);
  set(4, 2, 0x6000 | pg::kP | (1ull << 45));  // a reserved address bit (MAXPHYADDR 39)
  EXPECT_FALSE(go(Access::Fetch, false, kVa + 0x2000, t, f));
  EXPECT_EQ(f.error_code, pg::kPfPresent | pg::kPfRsvd | pg::kPfFetch);
  EXPECT_EQ(traps(TrapKind::ShadowGuestFault), 3u);
  EXPECT_EQ(traps(TrapKind::ShadowHiddenFault), 0u);
}

TEST_F(ShadowUnit, AGuestTableWriteOutsideTheWriteProtectionFailsTheAudit) {
  Translation t;
  PageFault f;
  ASSERT_TRUE(go(Access::Write, false, kVa, t, f));
  ASSERT_EQ(mmu.audit(), "");
  entry(4, 0) &= ~pg::kRW;  // behind the hypervisor's back
  const std::string a = mmu.audit();
  EXPECT_NE(a.find("writable beyond the guest's rights"), std::string::npos) << a;
  entry(4, 0) = 0x7000 | pg::kP | pg::kRW | pg::kA | pg::kD;
  EXPECT_NE(mmu.audit().find("does not map guest frame 0x7"), std::string::npos) << mmu.audit();
}

TEST_F(ShadowUnit, AWriteToAShadowedTableIsWatchedAndUpdatesTheSpte) {
  // Map the PT itself at VA 0x401000 so the guest can write it.
  set(4, 1, 0x4000 | pg::kP | pg::kRW | pg::kA | pg::kD);
  Translation t;
  PageFault f;
  ASSERT_TRUE(go(Access::Read, false, kVa, t, f));
  ASSERT_TRUE(go(Access::Write, false, kVa + 0x1000, t, f));
  EXPECT_TRUE(t.watch_writes);
  EXPECT_FALSE(t.dirty);  // never cached as writable
  // The CPU writes PT entry 0 (now pointing at frame 8), then reports it.
  entry(4, 0) = 0x8000 | pg::kP | pg::kRW | pg::kA;
  mmu.on_watched_write(t.pbase, 8);
  EXPECT_EQ(traps(TrapKind::ShadowPtWrite), 1u);
  EXPECT_EQ(mmu.audit(), "");
  const uint64_t exits = vmx.stats().exits;
  ASSERT_TRUE(go(Access::Read, false, kVa, t, f));  // updated in place: a hit
  EXPECT_EQ(vmx.stats().exits, exits);
  Hfn h;
  ASSERT_TRUE(ram.back(Gfn(8), h));
  EXPECT_EQ(t.pbase, h.value << kPageShift);
}

}  // namespace
}  // namespace vmsim
