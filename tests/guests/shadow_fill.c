/* Shadow paging, lazy fill and the D-bit trap (issue 6): K fresh, clean,
 * writable 4 KiB pages are read, then written, inside the ROI. Under shadow
 * each read is one hidden page fault (the guest entries have A=0, so nothing
 * was prefetched) and each first write one shadow_dirty trap. The guest sees
 * exactly what native hardware leaves: A and D set in every PTE. */
#include "guest.h"

#define K 16

static uint64_t sweep(uint64_t first, int n, int write) {
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t va = first + (uint64_t)i * SIZE_4K;
    if (write) write64(va, (uint64_t)i + 1);
    else sum += read64(va);
  }
  return sum;
}

void guest_main(int proto) {
  (void)proto;
  const uint64_t pml4 = new_address_space();
  for (int i = 0; i <= K; ++i) map_page(pml4, TEST_VA + (uint64_t)i * SIZE_4K, alloc_frame(), SIZE_4K, PTE_P | PTE_W);
  write_cr3(pml4);
  /* Warm the code, the stack and the shadow path down to the PT on page 0. */
  sweep(TEST_VA, 1, 0);
  sweep(TEST_VA, 1, 1);
  roi_begin();
  const uint64_t zero = sweep(TEST_VA + SIZE_4K, K, 0);
  sweep(TEST_VA + SIZE_4K, K, 1);
  roi_end();
  CHECK_EQ(zero, 0);
  CHECK_EQ(sweep(TEST_VA + SIZE_4K, K, 0), (uint64_t)K * (K + 1) / 2);
  for (int i = 1; i <= K; ++i) {
    uint64_t size;
    const uint64_t pte = *leaf_entry(pml4, TEST_VA + (uint64_t)i * SIZE_4K, &size);
    CHECK_EQ(pte & (PTE_A | PTE_D), PTE_A | PTE_D);
  }
}
