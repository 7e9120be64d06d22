// The shadow backend's exact counts (issue 6), from directed guests whose
// ROI makes a known number of shadow events; each guest also checks from
// inside that it saw what native hardware would show. The same guests
// run under native for the guest-visible side.
#include <gtest/gtest.h>

#include "tests/guests/runner.h"

namespace vmsim::guests {
namespace {

uint64_t trap(const GuestRun& r, const char* kind) { return r.roi_json["traps"][kind].get<uint64_t>(); }
uint64_t flushes(const GuestRun& r, const char* cause) {
  return r.roi_json["tlb"]["flushes"]["by_cause"][cause].get<uint64_t>();
}

constexpr uint64_t K = 16, N = 12, S = 10;  // as in shadow_fill.c, shadow_ptwrite.c, shadow_cr3.c

TEST(Shadow, GuestsPassNativelyToo) {
  for (const char* g : {"shadow_fill", "shadow_ptwrite", "shadow_cr3", "shadow_flood"}) {
    const GuestRun r = run_guest(g, "native");
    EXPECT_TRUE(r.passed()) << g << ": " << r.describe();
    EXPECT_EQ(r.roi.vmx.exits, 0u) << g;
  }
}

TEST(Shadow, FreshPagesAreOneHiddenFaultEachAndFirstWritesOneDirtyTrap) {
  for (const char* prefetch : {"shadow.prefetch=0", "shadow.prefetch=8"}) {
    const GuestRun r = run_guest("shadow_fill", "shadow", {prefetch, "walk.pwc=false"});
    ASSERT_TRUE(r.passed()) << r.describe();
    EXPECT_EQ(trap(r, "shadow_hidden_fault"), K) << prefetch;  // A=0 neighbours are never prefetched
    EXPECT_EQ(trap(r, "shadow_dirty"), K) << prefetch;
    EXPECT_EQ(r.roi_json["vmexits"]["total"].get<uint64_t>(), 2 * K) << r.roi_json["traps"].dump();
    EXPECT_EQ(r.roi_json["vmexits"]["by_reason"]["EXCEPTION_NMI"].get<uint64_t>(), 2 * K);
    // Each fault is a walk that stops at the missing or read-only spte and
    // its retry; both are 4-reference walks over the shadow table. Nothing
    // else in the ROI walks (its code and stack are warm).
    EXPECT_EQ(r.roi_json["walks"]["refs_histogram"], (nlohmann::json{{"4", 4 * K}})) << r.roi_json["walks"].dump();
    EXPECT_EQ(r.roi.vmx.soft_walks, 2 * K);  // the hypervisor's own guest walks
  }
  // With the paging-structure caches (walk.pwc, the default) the CPU walks
  // the shadow tables as it walks any: the PDE cache leaves one reference.
  const GuestRun r = run_guest("shadow_fill", "shadow");
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_hidden_fault"), K);
  EXPECT_EQ(r.roi_json["walks"]["refs_histogram"], (nlohmann::json{{"1", 4 * K}})) << r.roi_json["walks"].dump();
  EXPECT_EQ(r.roi.walks.pwc_hits, 4 * K);
  // The live count is a level, at most the peak, and real tables exist.
  const nlohmann::json& mem = r.total_json["memory"];
  EXPECT_GT(mem["shadow_pages_live"].get<uint64_t>(), 0u);
  EXPECT_LE(mem["shadow_pages_live"].get<uint64_t>(), mem["shadow_pages_peak"].get<uint64_t>());
}

// walks.c under shadow: the three INVLPGs before the ROI drop the sptes, so
// each cold page is a hidden fault; every walk is over the 4-level shadow
// table, whatever the guest's page size (large guest pages are split).
TEST(Shadow, ColdWalksAreFourReferenceShadowWalksWithAHiddenFaultEach) {
  const GuestRun r = run_guest("walks", "shadow", {"walk.pwc=false"});
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_hidden_fault"), 3u);
  EXPECT_EQ(r.roi_json["vmexits"]["total"].get<uint64_t>(), 3u);
  EXPECT_EQ(r.roi_json["walks"]["refs_histogram"], (nlohmann::json{{"4", 6}})) << r.roi_json["walks"].dump();
}

TEST(Shadow, EveryGuestPageTableWriteTrapsWithUnsyncOff) {
  const GuestRun r = run_guest("shadow_ptwrite", "shadow");
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_pt_write"), N) << r.roi_json["traps"].dump();
  EXPECT_EQ(trap(r, "shadow_invlpg"), 1u);
  EXPECT_EQ(trap(r, "shadow_resync"), 0u);
  EXPECT_EQ(r.roi_json["vmexits"]["total"].get<uint64_t>(), N + 1);
  EXPECT_EQ(flushes(r, "shadow_zap"), 0u);
}

TEST(Shadow, UnsyncTurnsPageTableWriteTrapsIntoAResync) {
  const GuestRun r = run_guest("shadow_ptwrite", "shadow", {"shadow.unsync=true"});
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_pt_write"), 1u) << r.roi_json["traps"].dump();  // the write that unsyncs
  EXPECT_EQ(trap(r, "shadow_resync"), 1u);                                 // at the INVLPG
  EXPECT_EQ(trap(r, "shadow_invlpg"), 1u);
}

TEST(Shadow, EachCr3SwitchIsOneExitAndOneGuestFlush) {
  const GuestRun r = run_guest("shadow_cr3", "shadow");
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_cr3_switch"), S);
  EXPECT_EQ(r.roi_json["vmexits"]["by_reason"]["CR_ACCESS"].get<uint64_t>(), S);
  EXPECT_EQ(r.roi_json["vmexits"]["total"].get<uint64_t>(), S) << r.roi_json["traps"].dump();  // roots cached
  EXPECT_EQ(flushes(r, "cr3_write"), S);
  EXPECT_EQ(flushes(r, "shadow_root_switch"), 0u);
  EXPECT_EQ(flushes(r, "shadow_zap"), 0u);
  EXPECT_EQ(r.roi_json["tlb"]["flushes"]["total"].get<uint64_t>(), S);
}

TEST(Shadow, OneCachedRootRefillsAfterEverySwitch) {
  const GuestRun r = run_guest("shadow_cr3", "shadow", {"shadow.cached_roots=1"});
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_cr3_switch"), S);
  EXPECT_GE(trap(r, "shadow_hidden_fault"), S);  // at least the page read after each switch
}

TEST(Shadow, AFloodedNonLeafTableIsUnshadowedAtTheThreshold) {
  const GuestRun r = run_guest("shadow_flood", "shadow");
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(trap(r, "shadow_pt_write"), 2u) << r.roi_json["traps"].dump();
  EXPECT_EQ(trap(r, "shadow_unshadow"), 1u);  // the third write
  EXPECT_EQ(r.roi_json["vmexits"]["total"].get<uint64_t>(), 3u);
  const GuestRun off = run_guest("shadow_flood", "shadow", {"shadow.flood_threshold=0"});
  ASSERT_TRUE(off.passed()) << off.describe();
  EXPECT_EQ(trap(off, "shadow_pt_write"), 3u);
  EXPECT_EQ(trap(off, "shadow_unshadow"), 0u);
  EXPECT_GT(off.total_json["traps"]["shadow_pt_write"].get<uint64_t>(),
            r.total_json["traps"]["shadow_pt_write"].get<uint64_t>() + 4);  // the later writes kept trapping
}

// Every #PF the guest takes under shadow is a true fault the hypervisor
// injected, with the error code and CR2 native gives (pfmatrix.c checks
// them from inside).
TEST(Shadow, InjectedPageFaultsAreExactlyTheGuestsFaults) {
  const GuestRun n = run_guest("pfmatrix", "native");
  const GuestRun s = run_guest("pfmatrix", "shadow");
  ASSERT_TRUE(n.passed()) << n.describe();
  ASSERT_TRUE(s.passed()) << s.describe();
  EXPECT_EQ(s.console, n.console);
  EXPECT_EQ(s.total.guest_exceptions[14], n.total.guest_exceptions[14]);
  EXPECT_EQ(s.total_json["traps"]["shadow_guest_fault"].get<uint64_t>(), s.total.guest_exceptions[14]);
}

TEST(Shadow, AuditHoldsOnEveryDirectedGuest) {
  for (const char* g : {"shadow_fill", "shadow_ptwrite", "shadow_cr3", "shadow_flood", "pfmatrix", "tlbflush", "smc"})
    for (const char* unsync : {"shadow.unsync=false", "shadow.unsync=true"}) {
      const GuestRun r = run_guest(g, "shadow", {"shadow.audit=true", unsync});
      EXPECT_TRUE(r.passed()) << g << " " << unsync << ": " << r.describe();
    }
}

}  // namespace
}  // namespace vmsim::guests
