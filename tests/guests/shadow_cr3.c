/* Shadow paging, CR3 switches (issue 6): two address spaces, both warmed;
 * inside the ROI the guest switches S times, reading one page after each
 * switch. Each switch is one CR_ACCESS exit (shadow_cr3_switch) and one TLB
 * flush the guest asked for (cr3_write); with the roots cached nothing
 * else exits. */
#include "guest.h"

#define S 10

void guest_main(int proto) {
  (void)proto;
  const uint64_t a = new_address_space(), b = new_address_space();
  const uint64_t fa = alloc_frame(), fb = alloc_frame();
  write64(fa, 1);
  write64(fb, 2);
  map_page(a, TEST_VA, fa, SIZE_4K, PTE_P | PTE_W);
  map_page(b, TEST_VA, fb, SIZE_4K, PTE_P | PTE_W);
  uint64_t sum = 0;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass) roi_begin();
    for (int i = 0; i < S / 2; ++i) {
      write_cr3(a);
      sum += read64(TEST_VA);
      write_cr3(b);
      sum += read64(TEST_VA);
    }
    if (pass) roi_end();
  }
  CHECK_EQ(sum, 2ull * (S / 2) * 3);
}
