/* Shadow paging, write-flood detection (issue 6): address space B's page
 * directory is shadowed (B ran, its root stays cached), then, running in A,
 * the guest writes that directory three times inside the ROI, as a kernel
 * reusing a freed table frame would. With shadow.flood_threshold=3 the third
 * write unshadows it; B still works afterwards (its tables are shadowed
 * again on demand). */
#include "guest.h"

void guest_main(int proto) {
  (void)proto;
  const uint64_t a = new_address_space(), b = new_address_space();
  const uint64_t fb = alloc_frame();
  write64(fb, 0xB);
  map_page(b, TEST_VA, fb, SIZE_4K, PTE_P | PTE_W);
  volatile uint64_t* pd = entry_at(b, TEST_VA, 2) - ((TEST_VA >> 21) & 511); /* B's PD, identity-mapped */
  pd[300] = 0;  /* warm the code and the TLB entry of the PD frame */
  write_cr3(b);
  CHECK_EQ(read64(TEST_VA), 0xB);
  write_cr3(a);
  roi_begin();
  for (int i = 0; i < 3; ++i) pd[301 + i] = 0;
  roi_end();
  for (int i = 0; i < 5; ++i) pd[310 + i] = 0;
  write_cr3(b);
  CHECK_EQ(read64(TEST_VA), 0xB);
  write_cr3(a);
}
