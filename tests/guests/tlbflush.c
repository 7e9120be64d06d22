/* Global-page and PCID flush rules (SDM Vol. 3A, 4.10.4.1), seen from
 * inside: a leaf is changed to point at another frame without a flush, and
 * the guest reads through the (modelled) TLB: a stale value proves the
 * entry survived, a fresh one that it was flushed. Each step names the rule. */
#include "guest.h"

static uint64_t g_pml4a, g_pml4b, g_fa, g_fb;
static uint64_t* g_leaf;

/* Map TEST_VA to frame A (value 0xA) with 'flags' and load it into the TLB. */
static void prime(uint64_t flags) {
  *g_leaf = g_fa | PTE_P | PTE_W | flags;
  invlpg(TEST_VA);
  CHECK_EQ(read64(TEST_VA), 0xA);
  *g_leaf = g_fb | PTE_P | PTE_W | flags; /* no flush: the TLB still says A */
}
static uint64_t now(void) { return read64(TEST_VA); }

void guest_main(int proto) {
  (void)proto;
  g_fa = alloc_frame();
  g_fb = alloc_frame();
  write64(g_fa, 0xA);
  write64(g_fb, 0xB);
  g_pml4a = new_address_space();
  g_leaf = map_page(g_pml4a, TEST_VA, g_fa, SIZE_4K, PTE_P | PTE_W);
  /* A second address space sharing the same page table for TEST_VA. */
  g_pml4b = new_address_space();
  ((uint64_t*)g_pml4b)[1] = ((uint64_t*)g_pml4a)[1];
  write_cr3(g_pml4a);

  roi_begin();
  /* No flush: stale. invlpg: fresh. */
  prime(0);
  CHECK_EQ(now(), 0xA);
  invlpg(TEST_VA);
  CHECK_EQ(now(), 0xB);

  /* mov cr3 flushes non-global entries. */
  prime(0);
  write_cr3(read_cr3());
  CHECK_EQ(now(), 0xB);

  /* Global entries survive mov cr3; toggling CR4.PGE flushes them. */
  write_cr4(read_cr4() | CR4_PGE);
  prime(PTE_G);
  write_cr3(read_cr3());
  CHECK_EQ(now(), 0xA);
  write_cr3(g_pml4b);
  CHECK_EQ(now(), 0xA);
  write_cr3(g_pml4a);
  write_cr4(read_cr4() & ~CR4_PGE);
  CHECK_EQ(now(), 0xB);
  write_cr4(read_cr4() | CR4_PGE);
  /* invlpg removes a global entry too. */
  prime(PTE_G);
  invlpg(TEST_VA);
  CHECK_EQ(now(), 0xB);
  write_cr4(read_cr4() & ~CR4_PGE);
  roi_end();

  /* PCIDs: CR4.PCIDE with CR3[11:0] = PCID; bit 63 of the source keeps the
   * new PCID's entries. */
  uint32_t r[4];
  cpuid(1, 0, r);
  report("pcid", (r[2] >> 17) & 1);
  if (!(r[2] & (1u << 17))) return;
  write_cr4(read_cr4() | CR4_PCIDE);
  const uint64_t keep = 1ull << 63;
  write_cr3(g_pml4a | 1);
  prime(0);                       /* PCID 1 holds A */
  write_cr3(g_pml4b | 2);         /* PCID 2: no entry for TEST_VA; it walks */
  CHECK_EQ(now(), 0xB);
  *g_leaf = g_fa | PTE_P | PTE_W; /* back to A, no flush; PCID 2 holds B */
  write_cr3(g_pml4a | 1 | keep);  /* PCID 1 kept: still its old A */
  CHECK_EQ(now(), 0xA);
  *g_leaf = g_fb | PTE_P | PTE_W;
  write_cr3(g_pml4b | 2 | keep);  /* PCID 2 kept: still B (stale would be B too) */
  CHECK_EQ(now(), 0xB);
  *g_leaf = g_fa | PTE_P | PTE_W;
  write_cr3(g_pml4b | 2 | keep);
  CHECK_EQ(now(), 0xB);           /* stale: PCID 2 still says B */
  write_cr3(g_pml4b | 2);         /* without bit 63: PCID 2 flushed */
  CHECK_EQ(now(), 0xA);

  /* INVPCID type 0 (one address), 1 (one context), 2 (all, with globals),
   * 3 (all but globals). */
  write_cr3(g_pml4a | 1);
  prime(0);
  invpcid(0, 2, TEST_VA);         /* another PCID: no effect on PCID 1 */
  CHECK_EQ(now(), 0xA);
  invpcid(0, 1, TEST_VA);
  CHECK_EQ(now(), 0xB);
  prime(0);
  invpcid(1, 1, 0);
  CHECK_EQ(now(), 0xB);
  write_cr4(read_cr4() | CR4_PGE);
  prime(PTE_G);
  invpcid(3, 0, 0);               /* globals survive */
  CHECK_EQ(now(), 0xA);
  invpcid(2, 0, 0);
  CHECK_EQ(now(), 0xB);
  prime(PTE_G);
  write_cr3(g_pml4b | 2);         /* globals are shared by every PCID */
  CHECK_EQ(now(), 0xA);
  invpcid(1, 2, 0);               /* single-context keeps globals */
  CHECK_EQ(now(), 0xA);
  invpcid(0, 2, TEST_VA);         /* individual-address keeps globals too */
  CHECK_EQ(now(), 0xA);
  invlpg(TEST_VA);                /* invlpg does not */
  CHECK_EQ(now(), 0xB);
  write_cr4(read_cr4() & ~CR4_PGE);
}
