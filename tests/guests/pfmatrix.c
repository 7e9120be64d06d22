/* The page-fault permission matrix (SDM Vol. 3A, 4.6 and 4.7): present,
 * R/W, U/S and XD of a 4 KiB leaf × read/write/fetch × CPL 0/3 × CR0.WP,
 * with EFER.NXE on. For each case the guest computes the architectural
 * outcome itself and checks the access against it: fault or not, the #PF
 * error code and CR2, and the leaf's A and D flags afterwards (set only by
 * an access that succeeds; D only by a write). Reports the number of
 * faults and cases for the host side. */
#include "guest.h"

enum { READ, WRITE, FETCH };

struct user_probe {
  int kind;
  uint64_t va;
};

static int do_probe(int kind, uint64_t va) {
  uint64_t v;
  if (kind == READ) return probe_read(va, &v);
  if (kind == WRITE) return probe_write8(va, 0xC3); /* keeps the page's ret */
  return probe_exec(va);
}

static void user_fn(uint64_t arg) {
  const struct user_probe* p = (const struct user_probe*)arg;
  user_exit((uint64_t)do_probe(p->kind, p->va));
}

/* The expected error code, or -1 when the access is permitted. */
static int64_t expected(uint64_t pte, int kind, int user, int wp) {
  const uint64_t bits = (kind == WRITE ? 2 : 0) | (user ? 4 : 0) | (kind == FETCH ? 16 : 0);
  if (!(pte & PTE_P)) return (int64_t)bits;
  int ok = 1;
  if (user && !(pte & PTE_U)) ok = 0;
  if (kind == WRITE && !(pte & PTE_W) && (user || wp)) ok = 0;
  if (kind == FETCH && (pte & PTE_NX)) ok = 0;
  return ok ? -1 : (int64_t)(bits | 1);
}

void guest_main(int proto) {
  (void)proto;
  const uint64_t pml4 = new_address_space();
  write_cr3(pml4);
  const uint64_t frame = alloc_frame();
  *(volatile uint8_t*)frame = 0xC3; /* ret: the fetch target */
  unsigned cases = 0, faults = 0;
  uint64_t va = TEST_VA;
  for (int wp = 0; wp < 2; ++wp) {
    write_cr0(wp ? read_cr0() | CR0_WP : read_cr0() & ~CR0_WP);
    for (unsigned flags = 0; flags < 16; ++flags) {
      const uint64_t pte = (flags & 1 ? PTE_P : 0) | (flags & 2 ? PTE_W : 0) | (flags & 4 ? PTE_U : 0) |
                           (flags & 8 ? PTE_NX : 0);
      for (int kind = READ; kind <= FETCH; ++kind) {
        for (int user = 0; user < 2; ++user) {
          /* A fresh page per case: nothing cached, A and D clear. */
          uint64_t* leaf = map_page(pml4, va, frame, SIZE_4K, pte);
          const int64_t want = expected(pte, kind, user, wp);
          struct user_probe p = {kind, va};
          const int got = user ? (int)user_call(user_fn, (uint64_t)&p, USER_STACK_TOP) : do_probe(kind, va);
          ++cases;
          if (want < 0) {
            CHECK_EQ(got, 0);
            CHECK(*leaf & PTE_A);
            CHECK_EQ(!!(*leaf & PTE_D), kind == WRITE);
          } else {
            ++faults;
            CHECK_EQ(got, FAULTED_WITH(PF_VECTOR));
            CHECK_EQ(g_last_fault.error, (uint64_t)want);
            CHECK_EQ(g_last_fault.cr2, va);
            CHECK_EQ(*leaf & (PTE_A | PTE_D), 0);
          }
          if (g_failures) {
            puts_("  case: wp ");
            put_dec((uint64_t)wp);
            puts_(" pte ");
            put_hex(pte);
            puts_(" kind ");
            put_dec((uint64_t)kind);
            puts_(" user ");
            put_dec((uint64_t)user);
            puts_("\n");
            return;
          }
          va += SIZE_4K;
        }
      }
    }
  }
  write_cr0(read_cr0() | CR0_WP);
  /* A reserved bit in a present entry: RSVD and P in the error code. */
  map_page(pml4, va, frame | (1ull << 51), SIZE_4K, PTE_P | PTE_W);
  uint64_t v;
  CHECK_EQ(probe_read(va, &v), FAULTED_WITH(PF_VECTOR));
  CHECK_EQ(g_last_fault.error, 1 | 8);
  report("cases", cases);
  report("faults", faults);
}
