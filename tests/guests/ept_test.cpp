// The EPT backend's exact counts (issue 5), from directed guests: lazy EPT
// population one violation per fresh EPT leaf, and the VM entry/exit
// flushes without VPID. The same guests run under native for the
// guest-visible side.
#include <gtest/gtest.h>

#include <map>

#include "tests/guests/runner.h"

namespace vmsim::guests {
namespace {

uint64_t reason(const nlohmann::json& j, const char* r) { return j["vmexits"]["by_reason"][r].get<uint64_t>(); }
uint64_t flushes(const nlohmann::json& j, const char* cause) {
  return j["tlb"]["flushes"]["by_cause"][cause].get<uint64_t>();
}

constexpr uint64_t K = 16, R = 12;  // as in ept_fill.c

TEST(Ept, FillGuestPassesNativelyWithoutExits) {
  const GuestRun r = run_guest("ept_fill", "native");
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(r.roi.vmx.exits, 0u);
}

TEST(Ept, EachFresh4KGpaIsOneEptViolation) {
  const GuestRun r = run_guest("ept_fill", "ept", {"ept.page_size=4k"});
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(r.roi_json["traps"]["ept_fill"].get<uint64_t>(), K + R) << r.roi_json["traps"].dump();
  EXPECT_EQ(reason(r.roi_json, "EPT_VIOLATION"), K + R);
  EXPECT_EQ(r.roi_json["guest_exceptions"]["page_fault"].get<uint64_t>(), 0u);
}

TEST(Ept, With2MEptLeavesEachFresh2MRegionIsOneViolation) {
  const GuestRun r = run_guest("ept_fill", "ept", {"ept.page_size=2m"});
  ASSERT_TRUE(r.passed()) << r.describe();
  EXPECT_EQ(r.roi_json["traps"]["ept_fill"].get<uint64_t>(), 1 + R) << r.roi_json["traps"].dump();
  EXPECT_EQ(reason(r.roi_json, "EPT_VIOLATION"), 1 + R);
}

TEST(Ept, WithoutVpidEveryExitFlushesAtExitAndAtEntry) {
  const GuestRun r = run_guest("ept_fill", "ept", {"vmx.vpid=false"});
  ASSERT_TRUE(r.passed()) << r.describe();
  for (const nlohmann::json* j : {&r.roi_json, &r.total_json}) {
    const uint64_t exits = (*j)["vmexits"]["total"].get<uint64_t>();
    EXPECT_GT(exits, 0u);
    EXPECT_EQ(flushes(*j, "vm_exit"), exits);
    EXPECT_EQ(flushes(*j, "vm_entry"), exits);
  }
  const GuestRun tagged = run_guest("ept_fill", "ept", {"vmx.vpid=true"});
  ASSERT_TRUE(tagged.passed()) << tagged.describe();
  EXPECT_EQ(flushes(tagged.total_json, "vm_exit") + flushes(tagged.total_json, "vm_entry"), 0u);
}

// walks.c under ept with the caches off: one cold read each of a 4 KiB, a
// 2 MiB and a 1 GiB guest page (n = 4, 3, 2), all guest tables and data
// under EPT leaves of one size (m = 4, 3, 2): n·m + n + m references each,
// n of them guest entries. 1 GiB EPT leaves need the first GiB all RAM.
TEST(Ept, ColdTwoDimensionalWalksMakeNmPlusNPlusMReferences) {
  for (const auto& [size, m] : {std::pair{"4k", 4u}, std::pair{"2m", 3u}, std::pair{"1g", 2u}}) {
    const GuestRun r = run_guest("walks", "ept",
                           {"walk.pwc=false", "walk.nested_tlb=false", std::string("ept.page_size=") + size,
                            "memory.guest_mib=2048"});
    ASSERT_TRUE(r.passed()) << r.describe();
    EXPECT_EQ(r.roi.tlb_misses, 3u) << size;
    EXPECT_EQ(r.roi.walks.count, 3u) << size;
    EXPECT_EQ(reason(r.roi_json, "EPT_VIOLATION"), 0u) << size;  // the first pass filled the EPT
    std::map<std::string, uint64_t> counts;
    uint64_t refs = 0;
    for (unsigned n : {4u, 3u, 2u}) {
      ++counts[std::to_string(n * m + n + m)];
      refs += n * m + n + m;
    }
    const nlohmann::json want(counts);
    EXPECT_EQ(r.roi.walks.mem_refs, refs) << size;
    EXPECT_EQ(r.roi.walks.guest_refs, 4u + 3u + 2u) << size;
    EXPECT_EQ(r.roi_json["walks"]["refs_histogram"], want) << size << r.roi_json["walks"].dump();
  }
}

}  // namespace
}  // namespace vmsim::guests
