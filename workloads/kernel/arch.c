/* CPU tables and interrupts: GDT with TSS, IDT, the syscall MSRs, the legacy
 * PIC (masked), the local APIC timer, and the trap dispatcher. */
#include "kernel.h"

struct __attribute__((packed)) tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};

struct __attribute__((packed)) idt_entry {
  uint16_t off_lo;
  uint16_t sel;
  uint8_t ist;
  uint8_t type;
  uint16_t off_mid;
  uint32_t off_hi;
  uint32_t reserved;
};

struct __attribute__((packed)) dtr {
  uint16_t limit;
  uint64_t base;
};

static struct tss g_tss;
static uint64_t g_gdt[8] __attribute__((aligned(16)));
static struct idt_entry g_idt[256] __attribute__((aligned(16)));
static uint8_t g_ist1_stack[8192] __attribute__((aligned(16)));
uint64_t g_syscall_rsp;

#define APIC_PHYS 0xfee00000ull
#define APIC_EOI 0x0b0
#define APIC_SPIV 0x0f0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV 0x3e0

static volatile uint32_t* apic_reg(uint32_t off) { return (volatile uint32_t*)((uint8_t*)p2v(APIC_PHYS) + off); }

void set_kernel_stack(uint64_t top) {
  g_tss.rsp[0] = top;
  g_syscall_rsp = top;
}

static void set_gate(int vec, uint64_t handler, int ist) {
  struct idt_entry* e = &g_idt[vec];
  e->off_lo = (uint16_t)handler;
  e->sel = SEL_KCODE;
  e->ist = (uint8_t)ist;
  e->type = 0x8e; /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */
  e->off_mid = (uint16_t)(handler >> 16);
  e->off_hi = (uint32_t)(handler >> 32);
  e->reserved = 0;
}

void arch_init(void) {
  /* GDT: null, kernel code/data, user code32 (unused, for STAR), user data,
   * user code64, TSS (two slots). */
  g_gdt[0] = 0;
  g_gdt[1] = 0x00AF9A000000FFFFull; /* 0x08 kernel code, L=1 */
  g_gdt[2] = 0x00CF92000000FFFFull; /* 0x10 kernel data */
  g_gdt[3] = 0x00CFFA000000FFFFull; /* 0x18 user code32 */
  g_gdt[4] = 0x00CFF2000000FFFFull; /* 0x20 user data */
  g_gdt[5] = 0x00AFFA000000FFFFull; /* 0x28 user code64 */
  uint64_t base = (uint64_t)&g_tss, limit = sizeof g_tss - 1;
  g_tss.iomap_base = sizeof g_tss;
  g_tss.ist[0] = (uint64_t)(g_ist1_stack + sizeof g_ist1_stack);
  g_gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
             (((base >> 24) & 0xff) << 56);
  g_gdt[7] = base >> 32;
  struct dtr gdtr = {sizeof g_gdt - 1, (uint64_t)g_gdt};
  __asm__ volatile(
      "lgdt %0\n\t"
      "pushq $0x08\n\t"
      "lea 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "mov $0x10, %%eax\n\t"
      "mov %%eax, %%ds\n\t"
      "mov %%eax, %%es\n\t"
      "mov %%eax, %%ss\n\t"
      "xor %%eax, %%eax\n\t"
      "mov %%eax, %%fs\n\t"
      "mov %%eax, %%gs\n\t"
      "mov %1, %%ax\n\t"
      "ltr %%ax"
      :
      : "m"(gdtr), "i"(SEL_TSS)
      : "rax", "memory");

  for (int v = 0; v < 256; ++v) set_gate(v, isr_table[v], v == 8 ? 1 : 0); /* #DF on IST1 */
  struct dtr idtr = {sizeof g_idt - 1, (uint64_t)g_idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));

  /* syscall/sysret (SDM 5.8.8): kernel CS 0x08/SS 0x10; sysret to user
   * CS 0x18+16 = 0x2b, SS 0x18+8 = 0x23. SFMASK clears IF, TF, DF, AC, NT. */
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 0x1 | 0x800); /* SCE | NXE */
  wrmsr(MSR_STAR, (0x18ull << 48) | ((uint64_t)SEL_KCODE << 32));
  wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
  wrmsr(MSR_SFMASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);

  /* The legacy PIC: masked (vmsim ignores its ports). */
  outb(0x21, 0xff);
  outb(0xa1, 0xff);
}

void apic_timer_start(uint64_t period) {
  *apic_reg(APIC_SPIV) = 0x100 | VEC_SPURIOUS; /* software enable */
  if (!period) return;
  *apic_reg(APIC_TIMER_DIV) = 0xb;                    /* divide by 1 */
  *apic_reg(APIC_LVT_TIMER) = VEC_TIMER | (1u << 17); /* periodic */
  *apic_reg(APIC_TIMER_INIT) = (uint32_t)period;
}

static const char* const exc_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound", "#UD invalid opcode",
    "#NM device not available", "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD floating point", "#VE", "#CP"};

void trap_handler(struct trapframe* tf) {
  uint64_t v = tf->vector;
  int user = (tf->cs & 3) == 3;
  if (v == VEC_TIMER) {
    *apic_reg(APIC_EOI) = 0;
    ++g_stats.timer_ticks;
    if (user) {
      g_current->state = P_RUNNABLE;
      schedule();
    }
    return;
  }
  if (v == VEC_SPURIOUS) return;
  if (v == 14 && user) {
    uint64_t va = read_cr2();
    int r = mm_fault(&g_current->mm, va, tf->error & (PF_WRITE | PF_FETCH));
    if (r == 0) return;
    if (r == MM_FAULT_OOM) {
      kprintf("kernel: pid %d (%s): out of memory at %lx\n", g_current->pid, g_current->name, va);
      proc_exit(9); /* killed by SIGKILL, like Linux's OOM killer */
    }
    kprintf("kernel: pid %d (%s): segmentation fault at %lx (rip %lx, error %lx)\n", g_current->pid,
            g_current->name, va, tf->rip, tf->error);
    proc_exit(11); /* killed by SIGSEGV */
  }
  if (user && v < 32) {
    kprintf("kernel: pid %d (%s): %s at rip %lx (error %lx)\n", g_current->pid, g_current->name,
            exc_names[v] ? exc_names[v] : "exception", tf->rip, tf->error);
    proc_exit(v == 0 || v == 19 ? 8 : v == 6 ? 4 : 11); /* SIGFPE, SIGILL, SIGSEGV */
  }
  panic("%s (vector %lu) in the kernel at rip %lx, error %lx, cr2 %lx", v < 32 && exc_names[v] ? exc_names[v] : "interrupt",
        v, tf->rip, tf->error, read_cr2());
}
