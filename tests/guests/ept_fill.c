/* EPT lazy population (issue 5): inside the ROI the guest reads K fresh
 * 4 KiB GPAs in one 2 MiB region, then one address in each of R fresh 2 MiB
 * regions, through the boot identity map (2 MiB guest pages, its tables and
 * the code and stack warm). Under ept with 4 KiB EPT leaves that is K + R
 * EPT violations; with ept.page_size=2m it is 1 + R. Fresh RAM reads as
 * zero in every mode. */
#include "guest.h"

#define K 16
#define R 12
#define FRESH_4K (112ull << 20)
#define FRESH_2M (80ull << 20)

void guest_main(int proto) {
  (void)proto;
  uint64_t sum = 0;
  roi_begin();
  for (int i = 0; i < K; ++i) sum += read64(FRESH_4K + (uint64_t)i * SIZE_4K);
  for (int i = 0; i < R; ++i) sum += read64(FRESH_2M + (uint64_t)i * SIZE_2M);
  roi_end();
  CHECK_EQ(sum, 0);
  /* Written and read back: the fills map the right frames. */
  for (int i = 0; i < R; ++i) write64(FRESH_2M + (uint64_t)i * SIZE_2M + 8, (uint64_t)i + 1);
  for (int i = 0; i < R; ++i) sum += read64(FRESH_2M + (uint64_t)i * SIZE_2M + 8);
  CHECK_EQ(sum, (uint64_t)R * (R + 1) / 2);
}
