/* Shadow paging, write-protected guest page tables (issue 6): inside the
 * ROI the guest writes N entries of a page table the shadow MMU mirrors,
 * then invalidates one page. Unsync off: every write is one shadow_pt_write
 * trap. Unsync on: the first write unsyncs the table, the rest do not trap,
 * and the INVLPG resyncs it. Either way the new mappings work, and a change
 * to a present entry takes effect after INVLPG, as natively. */
#include "guest.h"

#define N 12

void guest_main(int proto) {
  (void)proto;
  const uint64_t pml4 = new_address_space();
  const uint64_t data = alloc_frame(), other = alloc_frame();
  write64(data, 0x1234);
  write64(other, 0x5678);
  map_page(pml4, TEST_VA, alloc_frame(), SIZE_4K, PTE_P | PTE_W);
  write_cr3(pml4);
  read64(TEST_VA); /* the PT is shadowed from here on */
  uint64_t size;
  volatile uint64_t* pt = leaf_entry(pml4, TEST_VA, &size);
  pt[N + 1] = 0;   /* warm the code and the TLB entry of the PT page */
  invlpg(TEST_VA); /* (a resync point under unsync) */
  roi_begin();
  for (int i = 1; i <= N; ++i) pt[i] = data | PTE_P | PTE_W;
  invlpg(TEST_VA);
  roi_end();
  for (int i = 1; i <= N; ++i) CHECK_EQ(read64(TEST_VA + (uint64_t)i * SIZE_4K), 0x1234);
  pt[1] = other | PTE_P | PTE_W;
  invlpg(TEST_VA + SIZE_4K);
  CHECK_EQ(read64(TEST_VA + SIZE_4K), 0x5678);
  pt[2] = 0;
  invlpg(TEST_VA + 2 * SIZE_4K);
  CHECK_EQ(probe_read(TEST_VA + 2 * SIZE_4K, &size), FAULTED_WITH(PF_VECTOR));
  CHECK_EQ(g_last_fault.error, 0);
  CHECK_EQ(g_last_fault.cr2, TEST_VA + 2 * SIZE_4K);
}
