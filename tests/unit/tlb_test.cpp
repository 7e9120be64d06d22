// The TLB model: geometry, LRU, splintering, tags, and flush accounting.
#include <gtest/gtest.h>

#include <vector>

#include "core/tlb.h"

namespace vmsim {
namespace {

TlbEntry entry4k(uint64_t va, uint16_t pcid = 0, bool global = false) {
  TlbEntry e;
  e.vbase = va & ~kPageMask;
  e.pbase = 0x40000000 + e.vbase;
  e.pcid = pcid;
  e.global = global;
  e.writable = e.user = e.dirty = true;
  return e;
}

struct Recorder : TlbMirror {
  std::vector<uint64_t> evicted;
  int flushed = 0;
  void tlb_evicted(TlbSide, const TlbEntry& e) override { evicted.push_back(e.vbase); }
  void tlb_flushed() override { ++flushed; }
};

TEST(Tlb, MissFillHit) {
  Tlb t;
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x1234, 0, 0, 1), nullptr);
  EXPECT_EQ(t.stats().misses, 1u);
  t.fill(TlbSide::Data, entry4k(0x1234), 0x1234, 2);
  TlbEntry* e = t.lookup(TlbSide::Data, 0x1FFF, 0, 0, 3);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->pbase, 0x40001000u);
  EXPECT_EQ(t.stats().misses, 1u);
  EXPECT_EQ(t.lookup(TlbSide::Instr, 0x1234, 0, 0, 4)->vbase, 0x1000u);  // iTLB refilled from the STLB
  EXPECT_EQ(t.stats().stlb_hits, 1u);
}

TEST(Tlb, LruEvictsTheLeastRecentlyUsedWay) {
  TlbGeometry g = TlbGeometry::skylake();
  g.l1d[0] = {8, 2};  // 4 sets of 2 ways
  g.stlb = {0, 1};
  Tlb t(g);
  Recorder r;
  t.set_mirror(&r);
  // Pages 0, 4, 8 map to set 0.
  const uint64_t a = 0x0000, b = 0x4000, c = 0x8000;
  t.fill(TlbSide::Data, entry4k(a), a, 1);
  t.fill(TlbSide::Data, entry4k(b), b, 2);
  ASSERT_NE(t.lookup(TlbSide::Data, a, 0, 0, 3), nullptr);  // a is now the most recent
  t.fill(TlbSide::Data, entry4k(c), c, 4);                  // evicts b
  ASSERT_EQ(r.evicted.size(), 1u);
  EXPECT_EQ(r.evicted[0], b);
  EXPECT_NE(t.lookup(TlbSide::Data, a, 0, 0, 5), nullptr);
  EXPECT_EQ(t.lookup(TlbSide::Data, b, 0, 0, 6), nullptr);
}

TEST(Tlb, LargePagesAndSplintering) {
  Tlb t;
  TlbEntry big;
  big.vbase = 0x40000000;
  big.pbase = 0x80000000;
  big.size = PageSize::k1G;
  t.fill(TlbSide::Instr, big, 0x40201234, 1);  // the iTLB has no 1 GiB array
  TlbEntry* e = t.lookup(TlbSide::Instr, 0x40201234, 0, 0, 2);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->size, PageSize::k2M);
  EXPECT_EQ(e->vbase, 0x40200000u);
  EXPECT_EQ(e->pbase, 0x80200000u);
  // The data side finds the whole 1 GiB page in the STLB's 1 GiB array.
  e = t.lookup(TlbSide::Data, 0x7FFFFFFF, 0, 0, 3);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->size, PageSize::k1G);
}

TEST(Tlb, PcidAndGlobalTags) {
  Tlb t;
  t.fill(TlbSide::Data, entry4k(0x1000, 1), 0x1000, 1);
  t.fill(TlbSide::Data, entry4k(0x2000, 1, true), 0x2000, 2);
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x1000, 0, 2, 3), nullptr);  // another PCID
  EXPECT_NE(t.lookup(TlbSide::Data, 0x2000, 0, 2, 4), nullptr);  // global: any PCID
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x2000, 1, 2, 5), nullptr);  // another VPID
}

TEST(Tlb, FlushesAreCountedByCause) {
  Tlb t;
  Recorder r;
  t.set_mirror(&r);
  t.fill(TlbSide::Data, entry4k(0x1000, 0), 0x1000, 1);
  t.fill(TlbSide::Data, entry4k(0x2000, 0, true), 0x2000, 2);
  t.fill(TlbSide::Data, entry4k(0x3000, 3), 0x3000, 3);
  t.flush_pcid(0, 0, /*keep_global=*/true, FlushCause::Cr3Write);
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x1000, 0, 0, 4), nullptr);
  EXPECT_NE(t.lookup(TlbSide::Data, 0x2000, 0, 0, 5), nullptr);
  EXPECT_NE(t.lookup(TlbSide::Data, 0x3000, 0, 3, 6), nullptr);
  t.flush_page(0, 3, 0x3000, true, FlushCause::Invlpg);
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x3000, 0, 3, 7), nullptr);
  t.flush_all(FlushCause::VmExit);
  EXPECT_EQ(t.lookup(TlbSide::Data, 0x2000, 0, 0, 8), nullptr);
  const TlbStats& s = t.stats();
  EXPECT_EQ(s.flushes, 3u);
  EXPECT_EQ(s.flushes_full, 2u);
  EXPECT_EQ(s.flushes_single, 1u);
  EXPECT_EQ(s.by_cause[static_cast<int>(FlushCause::Cr3Write)], 1u);
  EXPECT_EQ(s.by_cause[static_cast<int>(FlushCause::Invlpg)], 1u);
  EXPECT_EQ(s.by_cause[static_cast<int>(FlushCause::VmExit)], 1u);
  EXPECT_EQ(r.flushed, 1);
}

}  // namespace
}  // namespace vmsim
