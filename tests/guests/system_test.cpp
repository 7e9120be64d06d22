// Directed guests for the system CPU, native paging and the TLB model
// (issue 3): each guest checks itself from inside and exits with its
// failure count; the host side checks the counters vmsim reports.
#include <gtest/gtest.h>

#include "tests/guests/runner.h"

namespace vmsim::guests {
namespace {

TEST(GuestBoot, BothProtocolsReachTheTestInTheSameState) {
  for (Protocol p : {Protocol::Elf64, Protocol::Multiboot}) {
    GuestOptions o;
    o.protocol = p;
    const GuestRun r = run_guest("boot", o);
    ASSERT_TRUE(r.passed()) << r.describe();
    EXPECT_EQ(r.report("proto"), p == Protocol::Multiboot ? 1u : 2u);
  }
}

}  // namespace
}  // namespace vmsim::guests
