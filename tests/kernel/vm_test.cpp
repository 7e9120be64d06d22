// The guest kernel's address spaces (workloads/kernel/vm.c) on the host:
// physical memory is a host buffer, the CPU's side of a page fault is
// simulated, and every CR3 write and INVLPG is recorded, so the TLB
// discipline (the flushes vmsim counts) is checked exactly: fresh mappings
// and permission upgrades are never flushed, downgrades and unmaps are, one
// invlpg per page up to the ceiling and one CR3 reload above it.
// The kernel's headers first: the host's system headers define the same
// Linux constants, identically, but the SYS_* numbers differently spelled.
extern "C" {
#include "../../workloads/include/vmsim_syscalls.h"
#include "../../workloads/kernel/kernel.h"
}

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
std::vector<uint64_t> g_invlpg;
std::vector<uint64_t> g_cr3_writes;
}  // namespace

extern "C" {
uint8_t* g_host_phys;
uint64_t g_kernel_pml4;
int g_verbose;
int g_pcid;
struct frame_alloc g_frames;
struct proc* g_current;
void kprintf(const char*, ...) {}
uint64_t frame_try_zeroed(void) {
  const uint64_t f = fa_alloc(&g_frames);
  if (f == FA_NONE) return 0;
  std::memset(p2v(f * PAGE_SIZE), 0, PAGE_SIZE);
  return f * PAGE_SIZE;
}
uint64_t frame_alloc_zeroed(void) {
  const uint64_t pa = frame_try_zeroed();
  if (!pa) std::abort();
  return pa;
}
void zero_page(void* p) { std::memset(p, 0, PAGE_SIZE); }
void copy_page(void* d, const void* s) { std::memcpy(d, s, PAGE_SIZE); }
void host_write_cr3(uint64_t v) { g_cr3_writes.push_back(v); }
void host_invlpg(uint64_t va) { g_invlpg.push_back(va); }
}

namespace {

constexpr uint64_t kPhysBytes = 64ull << 20;
constexpr uint64_t kP = PAGE_SIZE;
constexpr uint64_t kH = HUGE_SIZE;
constexpr uint64_t kRw = PROT_READ | PROT_WRITE;
constexpr uint64_t kAnon = MAP_PRIVATE | MAP_ANONYMOUS;

class Vm : public ::testing::Test {
 protected:
  void SetUp() override {
    phys_ = static_cast<uint8_t*>(std::aligned_alloc(kH, kPhysBytes));
    ASSERT_NE(phys_, nullptr);
    g_host_phys = phys_;
    const uint64_t nframes = kPhysBytes / kP;
    meta_.assign(fa_metadata_bytes(nframes) / 8 + 1, 0);
    fa_init(&g_frames, meta_.data(), nframes);
    fa_free_range(&g_frames, 256, nframes - 256);  // the first MiB stays out: pa 0 means "none"
    g_kernel_pml4 = frame_alloc_zeroed();
    g_loaded_cr3 = g_kernel_pml4;
    g_pcid = 0;
    std::memset(&proc_, 0, sizeof proc_);
    proc_.pid = 1;
    g_current = &proc_;
    mm_create(&proc_.mm);
    switch_address_space(&proc_.mm);
    free_at_start_ = g_frames.free_count;
    clear();
  }
  void TearDown() override { std::free(phys_); }

  static void clear() {
    g_invlpg.clear();
    g_cr3_writes.clear();
  }
  struct mm& mm() { return proc_.mm; }

  // The leaf entry for va (a PDE for a 2 MiB page), or 0.
  static uint64_t leaf(const struct mm& m, uint64_t va) {
    uint64_t e = m.pml4 | PTE_P;
    for (int level = 4; level >= 1; --level) {
      if (!(e & PTE_P)) return 0;
      const uint64_t* t = static_cast<const uint64_t*>(p2v(e & PTE_ADDR));
      e = t[(va >> (12 + 9 * (level - 1))) & 511];
      if (level == 2 && (e & PTE_PS)) return e;
    }
    return e;
  }
  static uint64_t frame_of(uint64_t e) { return (e & PTE_PS) ? (e & PTE_ADDR_2M) : (e & PTE_ADDR); }

  // A user access as the CPU does it: #PF (and the kernel's handler) when
  // the entry does not allow it, then the access through the new entry.
  static bool touch(struct mm& m, uint64_t va, bool write, uint64_t value = 0, uint64_t* out = nullptr) {
    for (int tries = 0; tries < 2; ++tries) {
      const uint64_t e = leaf(m, va);
      const bool ok = (e & PTE_P) && (e & PTE_U) && (!write || (e & PTE_W));
      if (ok) {
        const uint64_t off = (e & PTE_PS) ? (va & (kH - 1)) : (va & (kP - 1));
        auto* p = reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(p2v(frame_of(e))) + off);
        if (write) *p = value;
        if (out) *out = *p;
        return true;
      }
      if (mm_fault(&m, va, write ? PF_WRITE : 0) != 0) return false;
    }
    return false;
  }
  bool write(uint64_t va, uint64_t v) { return touch(mm(), va, true, v); }
  uint64_t read(uint64_t va) {
    uint64_t v = ~0ull;
    EXPECT_TRUE(touch(mm(), va, false, 0, &v)) << std::hex << va;
    return v;
  }
  uint64_t map(uint64_t len, uint64_t prot = kRw, uint64_t flags = kAnon) {
    const int64_t r = sys_mmap(0, len, prot, flags, -1, 0);
    EXPECT_GT(r, 0);
    return static_cast<uint64_t>(r);
  }

  uint8_t* phys_ = nullptr;
  std::vector<uint64_t> meta_;
  struct proc proc_;
  uint64_t free_at_start_ = 0;
};

TEST_F(Vm, DemandZeroFaultsMapFreshZeroedPagesWithoutFlushing) {
  const uint64_t a = map(8 * kP);
  EXPECT_EQ(a, MMAP_BASE);
  EXPECT_EQ(leaf(mm(), a), 0u);  // nothing until touched
  EXPECT_EQ(read(a + 3 * kP + 8), 0u);
  EXPECT_TRUE(write(a, 42));
  EXPECT_EQ(read(a), 42u);
  const uint64_t e = leaf(mm(), a);
  EXPECT_TRUE((e & PTE_P) && (e & PTE_W) && (e & PTE_U) && (e & PTE_NX));
  EXPECT_TRUE(g_invlpg.empty());
  EXPECT_TRUE(g_cr3_writes.empty());
}

TEST_F(Vm, FaultsOutsideAMappingOrAgainstItsRightsAreRefused) {
  const uint64_t a = map(2 * kP, PROT_READ);
  EXPECT_EQ(read(a), 0u);
  EXPECT_FALSE(write(a, 1));
  EXPECT_EQ(mm_fault(&mm(), a + 2 * kP, 0), MM_FAULT_SEGV);
  EXPECT_EQ(mm_fault(&mm(), a, PF_FETCH), MM_FAULT_SEGV);  // not executable
  EXPECT_EQ(mm_fault(&mm(), DIRECT_MAP, 0), MM_FAULT_SEGV);
}

TEST_F(Vm, ForkSharesFramesCopyOnWriteAndFlushesOnlyTheParentsDowngrades) {
  const uint64_t a = map(4 * kP);
  for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(write(a + i * kP, 100 + i));  // 3 present, 1 absent
  const uint64_t ro = map(kP, PROT_READ);
  EXPECT_EQ(read(ro), 0u);  // present, read-only: no downgrade needed
  clear();
  struct mm child;
  ASSERT_EQ(mm_fork(&mm(), &child, 2), 0);
  // The parent is loaded: one invlpg per page made read-only, nothing else.
  EXPECT_EQ(g_invlpg, (std::vector<uint64_t>{a, a + kP, a + 2 * kP}));
  EXPECT_TRUE(g_cr3_writes.empty());
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(leaf(mm(), a + i * kP) & PTE_W);
    EXPECT_EQ(frame_of(leaf(child, a + i * kP)), frame_of(leaf(mm(), a + i * kP)));
    EXPECT_EQ(fa_refs(&g_frames, frame_of(leaf(mm(), a)) / kP), 2u);
  }
  clear();
  // The child writes: a private copy, the old frame keeps one reference.
  const uint64_t shared = frame_of(leaf(mm(), a));
  ASSERT_TRUE(touch(child, a, true, 7));
  EXPECT_NE(frame_of(leaf(child, a)), shared);
  EXPECT_EQ(fa_refs(&g_frames, shared / kP), 1u);
  uint64_t v = 0;
  ASSERT_TRUE(touch(child, a + kP, false, 0, &v));
  EXPECT_EQ(v, 101u);
  // The parent still sees its value; its write upgrades in place.
  EXPECT_EQ(read(a), 100u);
  ASSERT_TRUE(write(a, 5));
  EXPECT_EQ(frame_of(leaf(mm(), a)), shared);
  // The child's untouched page is still shared: the parent's write copies.
  ASSERT_TRUE(write(a + kP, 6));
  ASSERT_TRUE(touch(child, a + kP, false, 0, &v));
  EXPECT_EQ(v, 101u);
  // None of this flushed anything: faults were the only invalidation.
  EXPECT_TRUE(g_invlpg.empty());
  EXPECT_TRUE(g_cr3_writes.empty());
  mm_destroy(&child);
  mm_free_pml4(&child);
}

TEST_F(Vm, AboveTheCeilingOneCr3ReloadReplacesTheInvlpgs) {
  const uint64_t a = map(40 * kP);
  for (uint64_t i = 0; i < 40; ++i) ASSERT_TRUE(write(a + i * kP, i));
  clear();
  struct mm child;
  ASSERT_EQ(mm_fork(&mm(), &child, 2), 0);
  EXPECT_TRUE(g_invlpg.empty());
  EXPECT_EQ(g_cr3_writes, std::vector<uint64_t>{mm().pml4});
  clear();
  EXPECT_EQ(sys_munmap(a, 40 * kP), 0);
  EXPECT_TRUE(g_invlpg.empty());
  EXPECT_EQ(g_cr3_writes.size(), 1u);
  mm_destroy(&child);
  mm_free_pml4(&child);
}

TEST_F(Vm, MunmapFlushesPresentPagesOnlyAndFreesEmptyTables) {
  const uint64_t a = map(16 * kP);
  for (uint64_t i = 0; i < 16; i += 2) ASSERT_TRUE(write(a + i * kP, i));
  const uint64_t free_before = g_frames.free_count;
  clear();
  EXPECT_EQ(sys_munmap(a + 4 * kP, 4 * kP), 0);  // pages 4..7: 4 and 6 present
  EXPECT_EQ(g_invlpg, (std::vector<uint64_t>{a + 4 * kP, a + 6 * kP}));
  EXPECT_EQ(g_frames.free_count, free_before + 2);
  EXPECT_FALSE(write(a + 5 * kP, 1));  // gone
  EXPECT_EQ(read(a + 2 * kP), 2u);     // the rest stays
  clear();
  EXPECT_EQ(sys_munmap(a, 16 * kP), 0);
  EXPECT_EQ(g_invlpg.size(), 6u);
  // Every frame is back, the emptied page table included; the PDPT and the
  // PD stay until the address space dies.
  EXPECT_EQ(g_frames.free_count, free_at_start_ - 2);
  EXPECT_EQ(sys_munmap(a + 1, kP), -EINVAL);
  EXPECT_EQ(sys_munmap(a, 16 * kP), 0);  // nothing there: fine, no flush
  EXPECT_EQ(g_invlpg.size(), 6u);
}

TEST_F(Vm, MprotectFlushesDowngradesButNotUpgrades) {
  const uint64_t a = map(4 * kP);
  for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(write(a + i * kP, i + 1));
  clear();
  EXPECT_EQ(sys_mprotect(a, 4 * kP, PROT_READ), 0);
  EXPECT_EQ(g_invlpg.size(), 3u);
  EXPECT_FALSE(write(a, 9));
  EXPECT_EQ(read(a + kP), 2u);
  clear();
  EXPECT_EQ(sys_mprotect(a, 4 * kP, kRw), 0);  // upgrade: no flush
  EXPECT_TRUE(g_invlpg.empty());
  EXPECT_TRUE(write(a, 9));
  clear();
  EXPECT_EQ(sys_mprotect(a + kP, kP, PROT_NONE), 0);
  EXPECT_EQ(g_invlpg, std::vector<uint64_t>{a + kP});
  EXPECT_FALSE(touch(mm(), a + kP, false));
  EXPECT_EQ(uaccess(&mm(), a + kP, 8, 0), -EFAULT);
  EXPECT_EQ(sys_mprotect(a + kP, kP, PROT_READ), 0);
  EXPECT_EQ(read(a + kP), 2u);  // the frame survived PROT_NONE
  EXPECT_EQ(sys_mprotect(a + 8 * kP, kP, PROT_READ), -ENOMEM);
  EXPECT_TRUE(g_cr3_writes.empty());
}

TEST_F(Vm, MprotectKeepsSharedFramesReadOnly) {
  const uint64_t a = map(kP);
  ASSERT_TRUE(write(a, 1));
  struct mm child;
  ASSERT_EQ(mm_fork(&mm(), &child, 2), 0);
  EXPECT_EQ(sys_mprotect(a, kP, kRw), 0);
  EXPECT_FALSE(leaf(mm(), a) & PTE_W);  // still copy-on-write
  const uint64_t shared = frame_of(leaf(mm(), a));
  ASSERT_TRUE(write(a, 2));
  EXPECT_NE(frame_of(leaf(mm(), a)), shared);
  uint64_t v = 0;
  ASSERT_TRUE(touch(child, a, false, 0, &v));
  EXPECT_EQ(v, 1u);
  mm_destroy(&child);
  mm_free_pml4(&child);
}

TEST_F(Vm, HugeMappingsUse2MiBPagesAndKeep2MiBGranularity) {
  const uint64_t h = map(3 * kH - kP, kRw, kAnon | MAP_HUGETLB);  // rounded up to 3 x 2 MiB
  EXPECT_EQ(h % kH, 0u);
  ASSERT_TRUE(write(h + kH + 5 * kP, 55));
  const uint64_t e = leaf(mm(), h + kH);
  EXPECT_TRUE(e & PTE_PS);
  EXPECT_EQ(read(h + kH + 5 * kP), 55u);
  EXPECT_EQ(read(h + kH + 6 * kP), 0u);  // same 2 MiB page, zeroed
  EXPECT_EQ(sys_munmap(h + kP, kP), -EINVAL);
  EXPECT_EQ(sys_mprotect(h, kP, PROT_READ), -EINVAL);
  clear();
  EXPECT_EQ(sys_munmap(h + kH, kH), 0);
  EXPECT_EQ(g_invlpg, std::vector<uint64_t>{h + kH});  // one invlpg for the 2 MiB page
  // Fork and a write: the 2 MiB page is copied, with one invlpg.
  ASSERT_TRUE(write(h, 1));
  struct mm child;
  ASSERT_EQ(mm_fork(&mm(), &child, 2), 0);
  clear();
  ASSERT_TRUE(write(h + 8, 2));
  EXPECT_EQ(g_invlpg.size(), 1u);
  uint64_t v = 0;
  ASSERT_TRUE(touch(child, h + 8, false, 0, &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(touch(child, h, false, 0, &v));
  EXPECT_EQ(v, 1u);
  mm_destroy(&child);
  mm_free_pml4(&child);
}

TEST_F(Vm, AHugeMappingAfterA4KiBOneAtTheSameAddressStillGets2MiBPages) {
  const uint64_t a = map(4 * kP);
  ASSERT_TRUE(write(a, 1));
  EXPECT_EQ(sys_munmap(a, 4 * kP), 0);
  const uint64_t h = map(kH, kRw, kAnon | MAP_HUGETLB);
  EXPECT_EQ(h, a);
  ASSERT_TRUE(write(h, 2));
  EXPECT_TRUE(leaf(mm(), h) & PTE_PS);
}

TEST_F(Vm, BrkGrowsDemandZeroAndShrinksWithFlushes) {
  mm().brk_start = mm().brk = 0x600000;
  EXPECT_EQ(sys_brk(0), 0x600000);
  EXPECT_EQ(sys_brk(0x600000 + 3 * kP + 1), int64_t(0x600000 + 3 * kP + 1));
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(write(0x600000 + i * kP, i + 10));
  clear();
  EXPECT_EQ(sys_brk(0x600000 + kP), int64_t(0x600000 + kP));
  EXPECT_EQ(g_invlpg.size(), 3u);
  EXPECT_FALSE(write(0x600000 + kP, 1));
  EXPECT_EQ(sys_brk(0x600000 + 2 * kP), int64_t(0x600000 + 2 * kP));
  EXPECT_EQ(read(0x600000 + kP), 0u);  // fresh again
  EXPECT_EQ(read(0x600000), 10u);
  EXPECT_EQ(sys_brk(0x100), int64_t(0x600000 + 2 * kP));  // below the start: unchanged
}

TEST_F(Vm, UaccessFaultsInAndRefusesBadRanges) {
  const uint64_t a = map(3 * kP);
  EXPECT_EQ(uaccess(&mm(), a + 100, 2 * kP, 1), 0);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_TRUE(leaf(mm(), a + i * kP) & PTE_W);
  EXPECT_EQ(uaccess(&mm(), a, 4 * kP, 0), -EFAULT);
  EXPECT_EQ(uaccess(&mm(), USER_TOP - 8, 16, 0), -EFAULT);
  EXPECT_EQ(uaccess(&mm(), DIRECT_MAP, 8, 0), -EFAULT);
  EXPECT_EQ(uaccess(&mm(), a, 0, 1), 0);
  char* p = static_cast<char*>(p2v(frame_of(leaf(mm(), a))));
  std::strcpy(p, "hello");
  char out[16];
  // ustring reads user memory directly: here, only the page's host copy is
  // reachable, so check the rejection paths.
  EXPECT_EQ(ustring(&mm(), a + 3 * kP, out, sizeof out), -EFAULT);
}

TEST_F(Vm, DestroyReturnsEveryFrame) {
  const uint64_t a = map(64 * kP);
  for (uint64_t i = 0; i < 64; ++i) ASSERT_TRUE(write(a + i * kP, i));
  const uint64_t h = map(kH, kRw, kAnon | MAP_HUGETLB);
  ASSERT_TRUE(write(h, 1));
  struct mm child;
  ASSERT_EQ(mm_fork(&mm(), &child, 2), 0);
  ASSERT_TRUE(touch(child, a, true, 1));
  mm_destroy(&child);
  mm_free_pml4(&child);
  mm_destroy(&mm());
  EXPECT_EQ(g_frames.free_count, free_at_start_);
}

TEST_F(Vm, MmapPlacementIsFirstFitAndFixedReplaces) {
  const uint64_t a = map(kP), b = map(2 * kP), c = map(kP);
  EXPECT_EQ(b, a + kP);
  EXPECT_EQ(c, a + 3 * kP);
  EXPECT_EQ(sys_munmap(b, 2 * kP), 0);
  EXPECT_EQ(map(kP), b);  // the hole is reused
  ASSERT_TRUE(write(c, 3));
  const int64_t f = sys_mmap(c, kP, kRw, kAnon | MAP_FIXED, -1, 0);
  EXPECT_EQ(f, int64_t(c));
  EXPECT_EQ(read(c), 0u);  // replaced by fresh memory
  EXPECT_EQ(sys_mmap(0, kP, kRw, MAP_SHARED | MAP_ANONYMOUS, -1, 0), -EINVAL);
  EXPECT_EQ(sys_mmap(0, kP, kRw, MAP_PRIVATE, 3, 0), -ENOSYS);
  EXPECT_EQ(sys_mmap(c + 1, kP, kRw, kAnon | MAP_FIXED, -1, 0), -EINVAL);
}

TEST_F(Vm, SwitchingWritesCr3OnlyForAnotherSpaceAndPcidsKeepEntries) {
  struct mm other;
  mm_create(&other);
  clear();
  switch_address_space(&mm());
  EXPECT_TRUE(g_cr3_writes.empty());  // already loaded
  switch_address_space(&other);
  switch_address_space(&mm());
  EXPECT_EQ(g_cr3_writes, (std::vector<uint64_t>{other.pml4, mm().pml4}));
  // With PCIDs: a new space's first load flushes its PCID, later loads keep it.
  g_pcid = 1;
  mm().pcid = 1;
  other.pcid = 2;
  other.fresh = 1;
  mm().fresh = 0;
  clear();
  switch_address_space(&other);
  switch_address_space(&mm());
  switch_address_space(&other);
  EXPECT_EQ(g_cr3_writes,
            (std::vector<uint64_t>{other.pml4 | 2, mm().pml4 | 1 | (1ull << 63), other.pml4 | 2 | (1ull << 63)}));
  g_pcid = 0;
  switch_address_space(&mm());
  mm_destroy(&other);
  mm_free_pml4(&other);
}

}  // namespace
