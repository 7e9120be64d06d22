/* Exact TLB and walk counts for a known access pattern (run with
 * walk.pwc=false): one read each of a 4 KiB, a 2 MiB and a 1 GiB page, cold,
 * inside the ROI. Natively that is three TLB misses and three walks of 4, 3
 * and 2 references (DESIGN §5). The pattern runs twice: the first pass
 * warms the code, the stack and the upper levels; invlpg makes the three
 * pages cold again. */
#include "guest.h"

static uint64_t touch(uint64_t a, uint64_t b, uint64_t c, int measure) {
  invlpg(a);
  invlpg(b);
  invlpg(c);
  if (measure) roi_begin();
  const uint64_t s = read64(a) + read64(b) + read64(c);
  if (measure) roi_end();
  return s;
}

void guest_main(int proto) {
  (void)proto;
  const uint64_t pml4 = new_address_space();
  const uint64_t va4k = TEST_VA, va2m = TEST_VA + SIZE_1G, va1g = TEST_VA + 2 * SIZE_1G;
  const uint64_t f4k = alloc_frame(), f2m = alloc_frames_aligned(SIZE_2M);
  write64(f4k, 1);
  write64(f2m, 2);
  map_page(pml4, va4k, f4k, SIZE_4K, PTE_P | PTE_W);
  map_page(pml4, va2m, f2m, SIZE_2M, PTE_P | PTE_W);
  map_page(pml4, va1g, 0, SIZE_1G, PTE_P | PTE_W); /* physical 0..1 GiB */
  write_cr3(pml4);
  const uint64_t sum = touch(va4k, va2m, va1g + f4k, 0);
  CHECK_EQ(sum, 1 + 2 + 1);
  CHECK_EQ(touch(va4k, va2m, va1g + f4k, 1), sum);
}
