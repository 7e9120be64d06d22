/* Ring transitions: syscall/sysret with their register effects (SDM Vol. 2B),
 * privileged instructions at CPL 3 (#GP(0)), IOPL-checked port access, and
 * APIC timer interrupts arriving at CPL 0 and CPL 3 (stack switch to
 * TSS.RSP0) with the count the host sees. */
#include "guest.h"

static volatile uint64_t g_ticks, g_user_ticks;
static struct trap_frame g_seen;

static void on_timer(struct trap_frame* f) {
  ++g_ticks;
  if ((f->cs & 3) == 3) ++g_user_ticks;
  *(volatile uint32_t*)0xFEE000B0ull = 0; /* EOI */
}
static void on_gp(struct trap_frame* f) {
  g_seen = *f;
  f->rip += f->r15; /* the user code puts the faulting instruction's length in r15 */
}

uint64_t guest_syscall(uint64_t nr, uint64_t a0, uint64_t a1) {
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  return nr == 1 ? (uint64_t)cs : a0 + a1;
}

static void user_main(uint64_t arg) {
  uint16_t cs, ss;
  __asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
  uint64_t ok = (cs == 0x2B) && (ss == 0x23);
  ok &= user_syscall(1, 0, 0) == 0x08;   /* the kernel ran at CS 0x08 */
  ok &= user_syscall(2, 40, 2) == 42;
  /* Privileged instructions at CPL 3: #GP(0), skipped by the handler. */
  __asm__ volatile("mov $1, %%r15; cli" ::: "r15");
  __asm__ volatile("mov $1, %%r15; hlt" ::: "r15");
  __asm__ volatile("mov $3, %%r15; mov %%cr3, %%rax" ::: "r15", "rax");
  __asm__ volatile("mov $2, %%r15; outb %%al, $0x80" ::: "r15");
  /* Spin until the timer has interrupted ring 3 a few times. */
  while (g_user_ticks < arg) __asm__ volatile("pause");
  user_exit(ok);
}

void guest_main(int proto) {
  (void)proto;
  set_trap_handler(0x40, on_timer);
  set_trap_handler(13, on_gp);
  volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000ull;
  apic[0xF0 / 4] = 0x1FF;      /* SPIV: enabled, spurious vector 0xFF */
  apic[0x3E0 / 4] = 0xB;       /* divide by 1 */
  apic[0x320 / 4] = 0x20040;   /* LVT timer: periodic, vector 0x40 */
  apic[0x380 / 4] = 20000;     /* initial count: every 20,000 instructions */
  sti();
  while (g_ticks < 3) __asm__ volatile("pause");
  CHECK_EQ(user_call(user_main, 3, USER_STACK_TOP), 1);
  CHECK_EQ(g_seen.vector, 13);
  CHECK_EQ(g_seen.error, 0);
  cli();
  apic[0x320 / 4] = 0x10040;   /* masked */
  report("user_ticks", g_user_ticks);
  CHECK(g_user_ticks >= 3);
  report("ticks", g_ticks);
}
