// The software page walker: references per page size, the permission matrix
// and #PF error codes, reserved bits, accessed/dirty updates.
#include <gtest/gtest.h>

#include <map>

#include "core/paging.h"

namespace vmsim::paging {
namespace {

// Physical memory as a sparse map of 8-byte entries.
struct FakeMemory {
  std::map<uint64_t, uint64_t> words;
  unsigned reads = 0;
  uint64_t* entry(uint64_t pa, unsigned) {
    ++reads;
    return &words[pa];
  }
  void set(uint64_t table, unsigned index, uint64_t value) { words[table + 8 * index] = value; }
  uint64_t get(uint64_t table, unsigned index) { return words[table + 8 * index]; }
};

constexpr uint64_t kCr3 = 0x1000, kPdpt = 0x2000, kPd = 0x3000, kPt = 0x4000;
constexpr uint64_t kUser = kP | kRW | kUS;

// va 0x00400000 + ...: PML4[0] -> PDPT[0] -> PD[2] -> PT
FakeMemory four_level(uint64_t leaf_flags, uint64_t upper = kUser) {
  FakeMemory m;
  m.set(kCr3, 0, kPdpt | upper);
  m.set(kPdpt, 0, kPd | upper);
  m.set(kPd, 2, kPt | upper);
  m.set(kPt, 5, 0x7000 | leaf_flags);
  return m;
}
constexpr uint64_t kVa = 0x400000 + 5 * 4096 + 0x123;

WalkControl ctl(Access k, bool user, bool wp = true, bool nxe = true) { return WalkControl{k, user, wp, nxe}; }

TEST(Walk, FourKiBPageTakesFourReferences) {
  FakeMemory m = four_level(kUser);
  WalkOutcome o = walk(m, kCr3, kVa, ctl(Access::Read, true));
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.refs, 4u);
  EXPECT_EQ(o.size, PageSize::k4K);
  EXPECT_EQ(o.pbase, 0x7000u);
}

TEST(Walk, LargePagesTakeThreeAndTwoReferences) {
  FakeMemory m;
  m.set(kCr3, 0, kPdpt | kUser);
  m.set(kPdpt, 0, kPd | kUser);
  m.set(kPd, 2, 0x600000 | kUser | kPS);      // 2 MiB page at va 4 MiB
  m.set(kPdpt, 1, 0xC0000000 | kUser | kPS);  // 1 GiB page at va 1 GiB
  WalkOutcome o = walk(m, kCr3, 0x4ABCDE, ctl(Access::Read, false));
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.refs, 3u);
  EXPECT_EQ(o.size, PageSize::k2M);
  EXPECT_EQ(o.pbase, 0x600000u);
  o = walk(m, kCr3, 0x40000000 + 0x12345678, ctl(Access::Read, false));
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.refs, 2u);
  EXPECT_EQ(o.size, PageSize::k1G);
  EXPECT_EQ(o.pbase, 0xC0000000u);
}

TEST(Walk, NotPresentStopsWithTheReferencesMade) {
  FakeMemory m = four_level(kUser);
  m.set(kPd, 2, 0);
  WalkOutcome o = walk(m, kCr3, kVa, ctl(Access::Write, true));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.refs, 3u);
  EXPECT_EQ(o.error, kPfWrite | kPfUser);
}

// The permission matrix: P/RW/US/NX x read/write/fetch x CPL x CR0.WP.
TEST(Walk, PermissionMatrixAndErrorCodes) {
  for (int rw = 0; rw < 2; ++rw)
    for (int us = 0; us < 2; ++us)
      for (int nx = 0; nx < 2; ++nx)
        for (int kind = 0; kind < 3; ++kind)
          for (int user = 0; user < 2; ++user)
            for (int wp = 0; wp < 2; ++wp) {
              const uint64_t leaf = kP | (rw ? kRW : 0) | (us ? kUS : 0) | (nx ? kNX : 0);
              FakeMemory m = four_level(leaf);
              const Access k = static_cast<Access>(kind);
              WalkOutcome o = walk(m, kCr3, kVa, ctl(k, user, wp));
              bool allowed = !user || us;
              if (k == Access::Write) allowed = allowed && (rw || (!user && !wp));
              if (k == Access::Fetch) allowed = allowed && !nx;
              SCOPED_TRACE(testing::Message() << "rw=" << rw << " us=" << us << " nx=" << nx << " kind=" << kind
                                              << " user=" << user << " wp=" << wp);
              EXPECT_EQ(o.ok, allowed);
              const uint64_t pte = m.get(kPt, 5);
              if (allowed) {
                EXPECT_TRUE(pte & kA);
                EXPECT_EQ(bool(pte & kD), k == Access::Write);
              } else {
                const uint32_t want = kPfPresent | (k == Access::Write ? kPfWrite : 0) | (user ? kPfUser : 0) |
                                      (k == Access::Fetch ? kPfFetch : 0);
                EXPECT_EQ(o.error, want);
                EXPECT_FALSE(pte & (kA | kD));  // a faulting walk sets nothing
              }
            }
}

TEST(Walk, UpperLevelRightsCombine) {
  FakeMemory m = four_level(kUser, kP | kUS);  // the PDPT entry etc. are read-only
  EXPECT_FALSE(walk(m, kCr3, kVa, ctl(Access::Write, true)).ok);
  EXPECT_TRUE(walk(m, kCr3, kVa, ctl(Access::Write, false, /*wp=*/false)).ok);
  FakeMemory s = four_level(kUser, kP | kRW);  // supervisor-only upper levels
  WalkOutcome o = walk(s, kCr3, kVa, ctl(Access::Read, true));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error, kPfPresent | kPfUser);
}

TEST(Walk, ReservedBits) {
  FakeMemory m = four_level(kUser | (1ull << 45));  // above MAXPHYADDR (39)
  WalkOutcome o = walk(m, kCr3, kVa, ctl(Access::Read, false));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error, kPfPresent | kPfRsvd);
  FakeMemory n = four_level(kUser | kNX);
  o = walk(n, kCr3, kVa, ctl(Access::Fetch, true, true, /*nxe=*/false));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error, kPfPresent | kPfRsvd | kPfUser);  // I is 0 when NXE=0
  FakeMemory p;
  p.set(kCr3, 0, kPdpt | kUser | kPS);  // PS is reserved in a PML4E
  EXPECT_EQ(walk(p, kCr3, kVa, ctl(Access::Read, false)).error, kPfPresent | kPfRsvd);
  FakeMemory q;
  q.set(kCr3, 0, kPdpt | kUser);
  q.set(kPdpt, 0, kPd | kUser);
  q.set(kPd, 2, 0x600000 | kUser | kPS | (1ull << 13));  // bit 13 of a 2 MiB entry
  EXPECT_EQ(walk(q, kCr3, kVa, ctl(Access::Read, false)).error, kPfPresent | kPfRsvd);
}

TEST(Walk, GlobalAndAccessedEverywhere) {
  FakeMemory m = four_level(kUser | kG);
  WalkOutcome o = walk(m, kCr3, kVa, ctl(Access::Read, true));
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(o.global);
  EXPECT_FALSE(o.dirty);
  for (auto [t, i] : {std::pair{kCr3, 0u}, {kPdpt, 0u}, {kPd, 2u}, {kPt, 5u}}) EXPECT_TRUE(m.get(t, i) & kA);
}

}  // namespace
}  // namespace vmsim::paging
