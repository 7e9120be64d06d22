/* Boot: both protocols reach guest_main in the same state, and the
 * framework's probes, ring-3 trip and page-table helpers work. */
#include "guest.h"

static void user_fn(uint64_t arg) {
  const uint64_t r = user_syscall(7, arg, 5);
  user_exit(r + 1);
}

uint64_t guest_syscall(uint64_t nr, uint64_t a0, uint64_t a1) { return nr * 100 + a0 * 10 + a1; }

void guest_main(int proto) {
  report("proto", (uint64_t)proto);
  CHECK((read_cr0() & 0x80010001ull) == 0x80010001ull); /* PG, WP, PE */
  CHECK(read_cr4() & 0x20);                             /* PAE */
  CHECK(rdmsr(MSR_EFER) & EFER_NXE);

  uint64_t v = 0;
  CHECK_EQ(probe_read(0x100000, &v), 0);
  CHECK_EQ(probe_read(0x0000800000000000ull, &v), FAULTED_WITH(13)); /* non-canonical: #GP */

  const uint64_t pml4 = new_address_space();
  const uint64_t frame = alloc_frame();
  map_page(pml4, TEST_VA, frame, SIZE_4K, PTE_P | PTE_W);
  write_cr3(pml4);
  CHECK_EQ(probe_write(TEST_VA + 8, 0x1234), 0);
  CHECK_EQ(read64(frame + 8), 0x1234);
  CHECK_EQ(probe_read(TEST_VA + SIZE_4K, &v), FAULTED_WITH(PF_VECTOR));
  CHECK_EQ(g_last_fault.error, 0); /* not present, read, supervisor */
  CHECK_EQ(g_last_fault.cr2, TEST_VA + SIZE_4K);

  CHECK_EQ(user_call(user_fn, 3, USER_STACK_TOP), 736);
}
