/* Exception delivery through the 64-bit IDT (SDM Vol. 3A, 6.12-6.15):
 * vectors, error codes, the saved RIP (fault: the faulting instruction;
 * trap: the next one), #DF on a fault while delivering a fault, and the
 * faults of a bad gate. */
#include "guest.h"

static struct trap_frame g_seen;
static uint64_t g_skip; /* bytes to skip after a fault; 0: return to the trap's RIP */

static void on_exception(struct trap_frame* f) {
  g_seen = *f;
  f->rip += g_skip;
}

/* Runs the instruction at label 'l' (of length 'len') in inline asm, expects
 * vector 'vec'; returns the error code. */
#define EXPECT_FAULT(vec, len, insn, ...)                                 \
  do {                                                                    \
    set_trap_handler(vec, on_exception);                                  \
    g_skip = (len);                                                       \
    g_seen.vector = ~0ull;                                                \
    uint64_t here_;                                                       \
    __asm__ volatile("lea 1f(%%rip), %0\n1: " insn : "=&r"(here_) : __VA_ARGS__ : "memory"); \
    CHECK_EQ(g_seen.vector, vec);                                         \
    CHECK_EQ(g_seen.rip, here_);                                          \
    set_trap_handler(vec, 0);                                             \
  } while (0)

extern void df_probe(void);
extern char df_recover[];
__asm__(
    ".text\n"
    "df_probe:\n"                     /* a #PF whose delivery faults again: #DF */
    "  mov %rsp, g_df_saved(%rip)\n"
    "  movabs $0x0000700000000000, %rsp\n" /* unmapped */
    "  pushq $0\n"
    "df_recover:\n"
    "  mov g_df_saved(%rip), %rsp\n"
    "  ret\n");
uint64_t g_df_saved;
static void on_double_fault(struct trap_frame* f) {
  g_seen = *f;
  f->rip = (uint64_t)df_recover; /* #DF is an abort: resume elsewhere */
  f->rsp = g_df_saved;
}

static void user_int3(uint64_t arg) {
  (void)arg;
  __asm__ volatile("int3");
  user_exit(0);
}
static void user_int_n(uint64_t arg) {
  (void)arg;
  __asm__ volatile("int $0x40");
  user_exit(0);
}

void guest_main(int proto) {
  (void)proto;
  /* #DE: div by zero, no error code; RIP at the div. */
  EXPECT_FAULT(0, 3, "div %%rcx", "c"(0ull), "a"(1ull), "d"(0ull));
  CHECK_EQ(g_seen.error, 0);
  /* #UD: ud2. */
  EXPECT_FAULT(6, 2, "ud2");
  /* #BP: int3 is a trap: the saved RIP is after it. */
  set_trap_handler(3, on_exception);
  g_skip = 0;
  uint64_t after;
  __asm__ volatile("int3\n1: lea 1b(%%rip), %0" : "=r"(after));
  CHECK_EQ(g_seen.vector, 3);
  CHECK_EQ(g_seen.rip, after);
  /* #GP with a selector error code: loading a selector beyond the GDT. */
  EXPECT_FAULT(13, 2, "mov %%eax, %%ds", "a"(0x80));
  CHECK_EQ(g_seen.error, 0x80);
  /* #GP(0): a non-canonical address. */
  EXPECT_FAULT(13, 3, "mov (%%rax), %%rax", "a"(0x8000000000000000ull));
  CHECK_EQ(g_seen.error, 0);
  /* #GP(0): wrmsr to an unknown MSR. */
  EXPECT_FAULT(13, 2, "wrmsr", "c"(0x12345u), "a"(0), "d"(0));
  /* #PF: not present, write, supervisor; CR2 = the address. */
  uint64_t v;
  CHECK_EQ(probe_write(TEST_VA, 1), FAULTED_WITH(PF_VECTOR));
  CHECK_EQ(g_last_fault.error, 2);
  CHECK_EQ(g_last_fault.cr2, TEST_VA);
  CHECK_EQ(probe_read(TEST_VA + 0x10, &v), FAULTED_WITH(PF_VECTOR));
  CHECK_EQ(g_last_fault.error, 0);
  /* From ring 3: int3 through a DPL-3 gate; int 0x40 through a DPL-0 gate
   * is #GP with error code (vector << 3) | IDT (2). */
  idt_set_dpl(3, 3);
  g_skip = 0;
  g_seen.vector = ~0ull;
  user_call(user_int3, 0, USER_STACK_TOP);
  CHECK_EQ(g_seen.vector, 3);
  CHECK_EQ(g_seen.cs, 0x2B);
  set_trap_handler(13, on_exception);
  g_skip = 2;
  user_call(user_int_n, 0, USER_STACK_TOP);
  CHECK_EQ(g_seen.vector, 13);
  CHECK_EQ(g_seen.error, (0x40 << 3) | 2);
  CHECK_EQ(g_seen.cs, 0x2B);
  set_trap_handler(13, 0);
  /* #DF: a #PF while delivering a #PF, on IST1 with error code 0. */
  idt_set_ist(8, 1);
  set_trap_handler(8, on_double_fault);
  g_seen.vector = ~0ull;
  df_probe();
  CHECK_EQ(g_seen.vector, 8);
  CHECK_EQ(g_seen.error, 0);
  report("exceptions_ok", g_failures == 0);
}
