// The EPT backend driven directly: a guest table in guest RAM mapping one
// page of each size, translations through EptMmu, and the exact references
// of the two-dimensional walk (n·m + n + m cold), the violations that fill
// the EPT, MMIO, INVEPT and guest A/D bits equal to native's.
#include <gtest/gtest.h>

#include <tuple>

#include "core/native_mmu.h"
#include "core/tlb.h"
#include "core/vmx.h"
#include "mmu_ept/ept_entry.h"
#include "mmu_ept/ept_mmu.h"

namespace vmsim {
namespace {

namespace pg = paging;

constexpr uint64_t kVa = 0x80000000;    // PML4[0], PDPT[2]
constexpr uint64_t kData = 0x40000000;  // the guest page's GPA: aligned for every size
constexpr uint64_t kRamBytes = 2ull << 30;

unsigned levels(PageSize s) { return s == PageSize::k4K ? 4 : s == PageSize::k2M ? 3 : 2; }

// Guest tables at GPA 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD), 0x4000 (PT).
void build_guest(GuestRam& ram, PageSize guest) {
  auto set = [&](uint64_t gpa, uint64_t v) { *reinterpret_cast<uint64_t*>(ram.host_ptr(Gpa(gpa))) = v; };
  const uint64_t u = pg::kP | pg::kRW | pg::kUS;
  set(0x1000, 0x2000 | u);
  if (guest == PageSize::k1G) {
    set(0x2000 + 8 * 2, kData | u | pg::kPS);
    return;
  }
  set(0x2000 + 8 * 2, 0x3000 | u);
  if (guest == PageSize::k2M) {
    set(0x3000, kData | u | pg::kPS);
    return;
  }
  set(0x3000, 0x4000 | u);
  set(0x4000, kData | u);
  set(0x4008, (kData + 0x1000) | u);
}

struct Rig {
  HostMemory host{8ull << 30};
  GuestRam ram;
  Vmx vmx{true};
  Tlb tlb;
  EptMmu mmu;
  PagingState ps{(1ull << 31) | (1ull << 16) | 1, 0x1000, 1ull << 5, (1ull << 8) | (1ull << 10) | (1ull << 11)};
  Rig(PageSize ept_size, bool pwc, bool nested, uint64_t ram_bytes = kRamBytes)
      : ram(host, ram_bytes, ept_size), mmu(vmx, ram, host, EptOptions{ept_size, true, pwc, nested, {}}) {
    vmx.attach_tlb(&tlb);
    mmu.attach_tlb(&tlb);
  }
  bool go(uint64_t va, Access kind, Translation& t) {
    PageFault f;
    return mmu.translate(ps, AccessRequest{Gva(va), kind, false}, t, f);
  }
};

class TwoDWalk : public ::testing::TestWithParam<std::tuple<PageSize, PageSize>> {};

TEST_P(TwoDWalk, ColdWalkMakesNmPlusNPlusMReferences) {
  const auto [guest, ept_size] = GetParam();
  Rig r(ept_size, false, false);
  build_guest(r.ram, guest);
  Translation t;
  ASSERT_TRUE(r.go(kVa + 0x123, Access::Read, t));  // fills the EPT
  const WalkStats before = r.mmu.walks();
  ASSERT_TRUE(r.go(kVa + 0x123, Access::Read, t));
  const WalkStats& after = r.mmu.walks();
  const unsigned n = levels(guest), m = levels(ept_size);
  EXPECT_EQ(after.count - before.count, 1u);
  EXPECT_EQ(after.mem_refs - before.mem_refs, n * m + n + m);
  EXPECT_EQ(after.guest_refs - before.guest_refs, n);
  EXPECT_EQ(after.ept_refs - before.ept_refs, n * m + m);
  EXPECT_EQ(after.refs_histogram[n * m + n + m] - before.refs_histogram[n * m + n + m], 1u);
  // The TLB caches the smaller of the two page sizes, at the host address.
  EXPECT_EQ(t.size, std::min(guest, ept_size));
  uint64_t hpa = 0;
  PageSize leaf;
  ASSERT_TRUE(r.mmu.mapping_of(kData, hpa, leaf));
  EXPECT_EQ(leaf, ept_size);
  EXPECT_EQ(t.pbase, hpa);
  EXPECT_EQ(t.host, r.host.ptr(Hpa(hpa)));
  EXPECT_EQ(r.mmu.host_of(hpa), t.host);
}

TEST_P(TwoDWalk, FirstTouchTakesOneViolationPerEptLeaf) {
  const auto [guest, ept_size] = GetParam();
  Rig r(ept_size, false, false);
  build_guest(r.ram, guest);
  Translation t;
  ASSERT_TRUE(r.go(kVa + 0x123, Access::Write, t));
  // 4 KiB EPT: each guest table and the page; larger: the tables share the
  // first region, the page is in another.
  const uint64_t want = ept_size == PageSize::k4K ? levels(guest) + 1 : 2;
  EXPECT_EQ(r.mmu.violations(), want);
  EXPECT_EQ(r.vmx.stats().traps[static_cast<int>(TrapKind::EptFill)], want);
  EXPECT_EQ(r.vmx.stats().by_reason[static_cast<int>(ExitReason::EptViolation)], want);
  const EptViolation& v = r.mmu.last_violation();
  EXPECT_TRUE(v.write && !v.read && !v.fetch);
  EXPECT_TRUE(v.gva_valid && v.final_access);
  EXPECT_EQ(v.gpa, kData + 0x123);
  EXPECT_EQ(v.gva, kVa + 0x123);
}

INSTANTIATE_TEST_SUITE_P(AllSizes, TwoDWalk,
                         ::testing::Combine(::testing::Values(PageSize::k4K, PageSize::k2M, PageSize::k1G),
                                            ::testing::Values(PageSize::k4K, PageSize::k2M, PageSize::k1G)),
                         [](const auto& i) {
                           return std::string("guest") + page_size_name(std::get<0>(i.param)) + "_ept" +
                                  page_size_name(std::get<1>(i.param));
                         });

TEST(EptUnit, ViolationOnAGuestTableNamesTheTableAndCountsTheAbortedWalk) {
  Rig r(PageSize::k4K, false, false);
  build_guest(r.ram, PageSize::k4K);
  std::vector<EptViolation> seen;
  r.mmu.set_violation_hook([&](const EptViolation& v) { seen.push_back(v); });
  Translation t;
  ASSERT_TRUE(r.go(kVa, Access::Read, t));
  ASSERT_EQ(seen.size(), 5u);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].gpa, 0x1000u * (i + 1) + (i == 1 ? 16 : 0)) << i;
    EXPECT_TRUE(seen[i].read && seen[i].gva_valid && !seen[i].final_access) << i;
  }
  // Walks: 5 aborted or violating ones plus the one that completes. Guest
  // refs: 0+1+2+3 before the aborts, 4 + 4 after; EPT refs: one per
  // violation at the PML4 (empty EPT) then less as tables appear.
  EXPECT_EQ(r.mmu.walks().count, 6u);
  EXPECT_EQ(r.mmu.walks().guest_refs, 0u + 1 + 2 + 3 + 4 + 4);
}

TEST(EptUnit, PwcAndNestedTlbShortenAWarmWalk) {
  Rig r(PageSize::k4K, true, true);
  build_guest(r.ram, PageSize::k4K);
  Translation t;
  ASSERT_TRUE(r.go(kVa, Access::Read, t));
  ASSERT_TRUE(r.go(kVa + 0x1000, Access::Read, t));  // fills the neighbouring data page
  const WalkStats before = r.mmu.walks();
  ASSERT_TRUE(r.go(kVa + 0x1000, Access::Read, t));
  const WalkStats& after = r.mmu.walks();
  // Guest PDE cache hit: only the PTE is read (1 guest ref); its table page
  // is in the nested TLB (no EPT refs); the final GPA hits the EPT PDE cache
  // (1 EPT ref).
  EXPECT_EQ(after.guest_refs - before.guest_refs, 1u);
  EXPECT_EQ(after.ept_refs - before.ept_refs, 1u);
  EXPECT_EQ(after.pwc_hits - before.pwc_hits, 2u);
  EXPECT_EQ(after.nested_tlb_hits - before.nested_tlb_hits, 1u);
  // With the caches off, the same walk is the full 24.
  Rig cold(PageSize::k4K, false, false);
  build_guest(cold.ram, PageSize::k4K);
  ASSERT_TRUE(cold.go(kVa + 0x1000, Access::Read, t));
  const WalkStats c0 = cold.mmu.walks();
  ASSERT_TRUE(cold.go(kVa + 0x1000, Access::Read, t));
  EXPECT_EQ(cold.mmu.walks().mem_refs - c0.mem_refs, 24u);
  EXPECT_EQ(cold.mmu.walks().pwc_hits + cold.mmu.walks().nested_tlb_hits, 0u);
}

TEST(EptUnit, GuestAccessedAndDirtyBitsEqualNative) {
  Rig r(PageSize::k4K, true, true);
  HostMemory nhost{64ull << 20};
  GuestRam nram{nhost, 64ull << 20};
  build_guest(r.ram, PageSize::k4K);
  build_guest(nram, PageSize::k4K);
  // The native copy needs the data page inside its RAM: point its PTE there.
  NativeMmu native(nram, true);
  Translation t;
  PageFault f;
  ASSERT_TRUE(r.go(kVa, Access::Write, t));
  ASSERT_TRUE(native.translate(r.ps, AccessRequest{Gva(kVa), Access::Write, false}, t, f));
  ASSERT_TRUE(r.go(kVa + 0x1000, Access::Read, t));
  ASSERT_TRUE(native.translate(r.ps, AccessRequest{Gva(kVa + 0x1000), Access::Read, false}, t, f));
  for (uint64_t gpa : {0x1000ull, 0x2010ull, 0x3000ull, 0x4000ull, 0x4008ull})
    EXPECT_EQ(*reinterpret_cast<uint64_t*>(r.ram.host_ptr(Gpa(gpa))),
              *reinterpret_cast<uint64_t*>(nram.host_ptr(Gpa(gpa))))
        << std::hex << gpa;
  EXPECT_TRUE(*reinterpret_cast<uint64_t*>(r.ram.host_ptr(Gpa(0x4000))) & pg::kD);
  EXPECT_FALSE(*reinterpret_cast<uint64_t*>(r.ram.host_ptr(Gpa(0x4008))) & pg::kD);
}

TEST(EptUnit, GuestPageFaultTakesNoExit) {
  Rig r(PageSize::k4K, true, true);
  build_guest(r.ram, PageSize::k4K);
  Translation t;
  ASSERT_TRUE(r.go(kVa, Access::Read, t));
  const uint64_t exits = r.vmx.stats().exits;
  PageFault f;
  EXPECT_FALSE(r.mmu.translate(r.ps, AccessRequest{Gva(kVa + 0x5000), Access::Write, true}, t, f));
  EXPECT_EQ(f.error_code, pg::kPfWrite | pg::kPfUser);
  EXPECT_EQ(f.address.value, kVa + 0x5000);
  EXPECT_EQ(r.vmx.stats().exits, exits);
}

TEST(EptUnit, EptEntriesUseIntelsFormat) {
  Rig r(PageSize::k2M, false, false);
  build_guest(r.ram, PageSize::k4K);
  Translation t;
  ASSERT_TRUE(r.go(kVa, Access::Write, t));
  const uint64_t eptp = r.mmu.eptp();
  EXPECT_EQ(eptp & 7, 6u);          // WB
  EXPECT_EQ((eptp >> 3) & 7, 3u);   // 4-level walk
  EXPECT_TRUE(eptp & (1ull << 6));  // A/D enabled
  // Walk the EPT by hand to the 2 MiB leaf of the data page.
  uint64_t table = eptp & ept::kAddrMask;
  uint64_t e = 0;
  for (unsigned level = 4; level >= 2; --level) {
    e = *reinterpret_cast<uint64_t*>(r.host.ptr(Hpa(table + 8 * pg::index_at(kData, level))));
    ASSERT_EQ(e & ept::kRwx, ept::kRwx) << level;
    EXPECT_TRUE(e & ept::kA) << level;
    table = e & ept::kAddrMask;
  }
  EXPECT_TRUE(e & ept::kLarge);
  EXPECT_EQ((e >> 3) & 7, 6u);  // memory type WB
  EXPECT_TRUE(e & ept::kIgnorePat);
  EXPECT_TRUE(e & ept::kD);  // written
  // PML4, PDPT and one PD for each 1 GiB region touched (tables, data); no
  // PT under 2 MiB leaves.
  EXPECT_EQ(r.mmu.ept_pages_peak(), 4u);
}

TEST(EptUnit, MmioIsAMisconfiguredEntryWithASoftwareWalkPerAccess) {
  constexpr uint64_t kApic = 0xFEE00000;
  Rig r(PageSize::k4K, true, true, 4ull << 30);
  r.ram.add_hole(Gpa(kApic), kPageSize);
  build_guest(r.ram, PageSize::k4K);
  *reinterpret_cast<uint64_t*>(r.ram.host_ptr(Gpa(0x4010))) = kApic | pg::kP | pg::kRW;
  const uint64_t va = kVa + 0x2000 + 0x30;
  Translation t;
  ASSERT_TRUE(r.go(va, Access::Read, t));
  EXPECT_EQ(t.host, nullptr);
  EXPECT_EQ(t.pbase, kApic);
  EXPECT_EQ(r.mmu.host_of(kApic), nullptr);
  const uint64_t violations = r.mmu.violations();
  ASSERT_TRUE(r.go(va, Access::Read, t));  // now misconfigured: no further violation
  EXPECT_EQ(r.mmu.violations(), violations);
  r.mmu.on_mmio_access(r.ps, va, kApic + 0x30);
  r.mmu.on_mmio_access(r.ps, va, kApic + 0x30);
  EXPECT_EQ(r.vmx.stats().traps[static_cast<int>(TrapKind::Mmio)], 2u);
  EXPECT_EQ(r.vmx.stats().by_reason[static_cast<int>(ExitReason::EptMisconfig)], 2u);
  EXPECT_EQ(r.vmx.stats().soft_walks, 2u);
  EXPECT_EQ(r.vmx.stats().soft_walk_refs, 8u);
  const WalkStats before = r.mmu.walks();
  r.mmu.on_mmio_access(r.ps, va, kApic);
  EXPECT_EQ(r.mmu.walks().mem_refs, before.mem_refs);  // never hardware refs
}

TEST(EptUnit, UnmapInveptsAndTheNextAccessRefills) {
  Rig r(PageSize::k4K, true, true);
  build_guest(r.ram, PageSize::k4K);
  Translation t;
  ASSERT_TRUE(r.go(kVa, Access::Read, t));
  const uint64_t violations = r.mmu.violations();
  r.mmu.unmap(kData);
  EXPECT_EQ(r.mmu.invepts(), 1u);
  EXPECT_EQ(r.tlb.stats().by_cause[static_cast<int>(FlushCause::Invept)], 1u);
  uint64_t hpa;
  PageSize s;
  EXPECT_FALSE(r.mmu.mapping_of(kData, hpa, s));
  ASSERT_TRUE(r.go(kVa, Access::Read, t));
  EXPECT_EQ(r.mmu.violations(), violations + 1);
  EXPECT_EQ(r.mmu.last_violation().gpa, kData);
  ASSERT_TRUE(r.mmu.mapping_of(kData, hpa, s));
  EXPECT_EQ(t.pbase, hpa);  // the same host frame: guest RAM stays backed
}

TEST(EptUnit, WithoutVpidEveryExitAndEntryFlushes) {
  HostMemory host{256ull << 20};
  GuestRam ram{host, 128ull << 20};
  Vmx vmx{false};
  Tlb tlb;
  vmx.attach_tlb(&tlb);
  EptMmu mmu(vmx, ram, host, EptOptions{});
  mmu.attach_tlb(&tlb);
  EXPECT_EQ(mmu.vpid(), 0u);
  build_guest(ram, PageSize::k2M);
  *reinterpret_cast<uint64_t*>(ram.host_ptr(Gpa(0x3000))) = 0x600000 | pg::kP | pg::kRW | pg::kUS | pg::kPS;
  Translation t;
  PageFault f;
  const PagingState ps{(1ull << 31) | (1ull << 16) | 1, 0x1000, 1ull << 5, (1ull << 8) | (1ull << 10) | (1ull << 11)};
  ASSERT_TRUE(mmu.translate(ps, AccessRequest{Gva(kVa), Access::Read, false}, t, f));
  const uint64_t exits = vmx.stats().exits;
  EXPECT_EQ(exits, 4u);  // three guest tables and the data page, 4 KiB EPT leaves each
  EXPECT_EQ(tlb.stats().by_cause[static_cast<int>(FlushCause::VmExit)] +
                tlb.stats().by_cause[static_cast<int>(FlushCause::VmEntry)],
            2 * exits);
}

}  // namespace
}  // namespace vmsim
