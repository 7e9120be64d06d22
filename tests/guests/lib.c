/* The test guests' library: see guest.h. */
#include "guest.h"

unsigned g_failures;
static unsigned g_checks;
struct fault g_last_fault;

/* ---- Console (COM1) and exit (isa-debug-exit, DESIGN §3). */
void puts_(const char* s) {
  for (; *s; ++s) outb(0x3F8, (uint8_t)*s);
}
void put_hex(uint64_t v) {
  char b[19] = "0x";
  for (int i = 0; i < 16; ++i) b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
  b[18] = 0;
  puts_(b);
}
void put_dec(uint64_t v) {
  char b[21];
  int i = 20;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  puts_(b + i);
}
void report(const char* name, uint64_t value) {
  puts_("= ");
  puts_(name);
  puts_(" ");
  put_dec(value);
  puts_("\n");
}
void check_(int ok, const char* what, int line) {
  ++g_checks;
  if (ok) return;
  ++g_failures;
  puts_("FAIL line ");
  put_dec((uint64_t)line);
  puts_(": ");
  puts_(what);
  puts_("\n");
}
void check_eq_(uint64_t got, uint64_t want, const char* what, int line) {
  check_(got == want, what, line);
  if (got == want) return;
  puts_("  got ");
  put_hex(got);
  puts_(", want ");
  put_hex(want);
  puts_("\n");
}
void guest_exit(uint32_t code) {
  outl(0xF4, code);
  for (;;) __asm__ volatile("cli; hlt");
}

void memset_(void* p, int c, uint64_t n) {
  for (uint8_t* q = p; n--;) *q++ = (uint8_t)c;
}
void memcpy_(void* d, const void* s, uint64_t n) {
  uint8_t* q = d;
  for (const uint8_t* r = s; n--;) *q++ = *r++;
}

/* ---- IDT, TSS and the syscall MSRs. */
struct idt_gate {
  uint16_t off0, sel;
  uint8_t ist, type;
  uint16_t off1;
  uint32_t off2, zero;
};
static struct idt_gate g_idt[256] __attribute__((aligned(16)));
static struct {
  uint32_t r0;
  uint64_t rsp[3];
  uint64_t r1;
  uint64_t ist[7];
  uint64_t r2;
  uint16_t r3, iomap;
} __attribute__((packed, aligned(16))) g_tss;
static uint8_t g_ring0_stack[16384] __attribute__((aligned(16)));
static uint8_t g_ist1_stack[8192] __attribute__((aligned(16)));
static uint8_t g_syscall_stack_mem[16384] __attribute__((aligned(16)));
uint8_t g_user_stack[16384] __attribute__((aligned(16)));
static trap_handler g_handlers[256];

extern char trap_stubs[];
extern uint64_t gdt_tss[2];
extern uint64_t g_syscall_stack;
extern void syscall_entry(void);

static void set_gate(unsigned v, uint64_t target, unsigned dpl, unsigned ist) {
  struct idt_gate* g = &g_idt[v];
  g->off0 = (uint16_t)target;
  g->sel = 0x08;
  g->ist = (uint8_t)ist;
  g->type = (uint8_t)(0x8E | (dpl << 5)); /* present 64-bit interrupt gate */
  g->off1 = (uint16_t)(target >> 16);
  g->off2 = (uint32_t)(target >> 32);
  g->zero = 0;
}
void idt_set_dpl(unsigned vec, unsigned dpl) {
  g_idt[vec].type = (uint8_t)((g_idt[vec].type & ~0x60) | (dpl << 5));
}
void idt_set_ist(unsigned vec, unsigned ist) { g_idt[vec].ist = (uint8_t)ist; }
void set_trap_handler(unsigned vec, trap_handler h) { g_handlers[vec] = h; }

static void setup_cpu(void) {
  for (unsigned v = 0; v < 256; ++v) set_gate(v, (uint64_t)(trap_stubs + 16 * v), 0, 0);
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {sizeof g_idt - 1, (uint64_t)g_idt};
  __asm__ volatile("lidt %0" ::"m"(idtr));
  g_tss.rsp[0] = (uint64_t)(g_ring0_stack + sizeof g_ring0_stack);
  g_tss.ist[0] = (uint64_t)(g_ist1_stack + sizeof g_ist1_stack);
  g_tss.iomap = sizeof g_tss;
  const uint64_t base = (uint64_t)&g_tss, limit = sizeof g_tss - 1;
  gdt_tss[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xF) << 48) |
               (((base >> 24) & 0xFF) << 56);
  gdt_tss[1] = base >> 32;
  __asm__ volatile("ltr %w0" ::"r"(0x30));
  g_syscall_stack = (uint64_t)(g_syscall_stack_mem + sizeof g_syscall_stack_mem);
  wrmsr(0xC0000081u, (0x18ull << 48) | (0x08ull << 32)); /* STAR */
  wrmsr(0xC0000082u, (uint64_t)syscall_entry);           /* LSTAR */
  wrmsr(0xC0000084u, 0x200 | 0x400);                     /* SFMASK: IF, DF */
}

__attribute__((weak)) uint64_t guest_syscall(uint64_t nr, uint64_t a0, uint64_t a1) {
  (void)nr, (void)a0, (void)a1;
  return ~0ull;
}

/* ---- Exception dispatch: probes first, then registered handlers. */
struct extable_entry {
  uint64_t insn, fixup;
};
extern struct extable_entry __extable_start[], __extable_end[];
extern uint64_t g_exec_target;
extern char probe_exec_return[];

static void record(struct trap_frame* f) {
  g_last_fault.vector = f->vector;
  g_last_fault.error = f->error;
  g_last_fault.cr2 = f->vector == PF_VECTOR ? read_cr2() : 0;
  g_last_fault.rip = f->rip;
  ++g_last_fault.count;
}

void trap_dispatch(struct trap_frame* f) {
  if (f->vector < 32) {
    for (struct extable_entry* e = __extable_start; e < __extable_end; ++e) {
      if (e->insn != f->rip) continue;
      record(f);
      f->rip = e->fixup;
      f->rax = f->vector + 1;
      return;
    }
    if (g_exec_target && f->rip == g_exec_target) {
      /* The fetch of the probed target faulted: return from probe_exec's call. */
      record(f);
      g_exec_target = 0;
      f->rip = (uint64_t)probe_exec_return;
      f->rsp += 8;
      f->rax = f->vector + 1;
      return;
    }
  }
  if (g_handlers[f->vector]) {
    g_handlers[f->vector](f);
    return;
  }
  puts_("FAIL unexpected exception ");
  put_dec(f->vector);
  puts_(" error ");
  put_hex(f->error);
  puts_(" rip ");
  put_hex(f->rip);
  puts_(" cr2 ");
  put_hex(read_cr2());
  puts_("\n");
  guest_exit(100 + (uint32_t)f->vector);
}

/* ---- Page tables. */
extern uint64_t boot_pdpt[];
static uint64_t g_arena = 32ull << 20;

uint64_t alloc_frames_aligned(uint64_t bytes) {
  g_arena = (g_arena + bytes - 1) & ~(bytes - 1);
  const uint64_t pa = g_arena;
  g_arena += bytes;
  memset_((void*)pa, 0, bytes);
  return pa;
}
uint64_t alloc_frame(void) { return alloc_frames_aligned(SIZE_4K); }

uint64_t new_address_space(void) {
  const uint64_t pml4 = alloc_frame();
  ((uint64_t*)pml4)[0] = (uint64_t)boot_pdpt | PTE_P | PTE_W | PTE_U;
  return pml4;
}

static unsigned index_at(uint64_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }

uint64_t* entry_at(uint64_t pml4, uint64_t va, int level) {
  uint64_t table = pml4;
  for (int l = 4; l > level; --l) {
    const uint64_t e = ((uint64_t*)table)[index_at(va, l)];
    if (!(e & PTE_P) || (l < 4 && (e & PTE_PS))) return 0;
    table = e & PTE_ADDR;
  }
  return &((uint64_t*)table)[index_at(va, level)];
}

uint64_t* leaf_entry(uint64_t pml4, uint64_t va, uint64_t* size) {
  uint64_t table = pml4;
  for (int l = 4; l >= 1; --l) {
    uint64_t* e = &((uint64_t*)table)[index_at(va, l)];
    if (l == 1 || (l <= 3 && (*e & PTE_PS))) {
      if (size) *size = l == 3 ? SIZE_1G : l == 2 ? SIZE_2M : SIZE_4K;
      return e;
    }
    if (!(*e & PTE_P)) return 0;
    table = *e & PTE_ADDR;
  }
  return 0;
}

uint64_t* map_page(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags) {
  const int leaf_level = size == SIZE_1G ? 3 : size == SIZE_2M ? 2 : 1;
  uint64_t table = pml4;
  for (int l = 4; l > leaf_level; --l) {
    uint64_t* e = &((uint64_t*)table)[index_at(va, l)];
    if (!(*e & PTE_P)) *e = alloc_frame() | PTE_P | PTE_W | PTE_U;
    table = *e & PTE_ADDR;
  }
  uint64_t* leaf = &((uint64_t*)table)[index_at(va, leaf_level)];
  *leaf = pa | flags | (leaf_level > 1 ? PTE_PS : 0);
  return leaf;
}

/* ---- Start: set up, run the test, report. */
void guest_start(int proto) __attribute__((noreturn));
void guest_start(int proto) {
  setup_cpu();
  guest_main(proto);
  puts_("guest: ");
  put_dec(g_checks);
  puts_(" checks, ");
  put_dec(g_failures);
  puts_(" failed\n");
  guest_exit(g_failures);
}
