/* The directed test guests' library (tests/guests/README.md): port and
 * control-register access, checks reported on COM1, fault probes, a trip to
 * ring 3, interrupt handlers, and page-table building. Freestanding C. */
#pragma once
#include <stdint.h>

/* ---- Each test guest defines this; it returns after its checks. */
void guest_main(int proto); /* proto: 1 Multiboot, 2 direct ELF64 */

/* ---- Ports and devices (DESIGN §3). */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline void roi_begin(void) { outl(0x0D10, 1); }
static inline void roi_end(void) { outl(0x0D10, 2); }
void guest_exit(uint32_t code) __attribute__((noreturn));

/* ---- Console and checks. Every failed check prints a FAIL line; the exit
 * code is the number of failures. report() prints "= NAME VALUE", which the
 * host side parses (GuestRun::reports). */
void puts_(const char* s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
void report(const char* name, uint64_t value);
void check_(int ok, const char* what, int line);
void check_eq_(uint64_t got, uint64_t want, const char* what, int line);
#define CHECK(cond) check_(!!(cond), #cond, __LINE__)
#define CHECK_EQ(got, want) check_eq_((uint64_t)(got), (uint64_t)(want), #got " == " #want, __LINE__)
extern unsigned g_failures;

/* ---- Control registers, MSRs, TLB control. */
#define CR0_WP (1ull << 16)
#define CR4_PGE (1ull << 7)
#define CR4_PCIDE (1ull << 17)
#define EFER_NXE (1ull << 11)
#define MSR_EFER 0xC0000080u
static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void invpcid(uint64_t type, uint64_t pcid, uint64_t va) {
  struct { uint64_t pcid, va; } d = {pcid, va};
  __asm__ volatile("invpcid %0, %1" ::"m"(d), "r"(type) : "memory");
}
static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline uint64_t read64(uint64_t va) { return *(volatile uint64_t*)va; }
static inline void write64(uint64_t va, uint64_t v) { *(volatile uint64_t*)va = v; }

/* ---- Exceptions. */
struct trap_frame {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
struct fault {
  uint64_t vector, error, cr2, rip;
  uint64_t count; /* exceptions taken through probes so far */
};
extern struct fault g_last_fault;
/* Each probe makes one access and returns 0, or 1 + the vector it raised
 * (g_last_fault holds the details). They work at CPL 0 and CPL 3. */
int probe_read(uint64_t va, uint64_t* out);
int probe_write(uint64_t va, uint64_t value);
int probe_write8(uint64_t va, uint8_t value);
int probe_exec(uint64_t va); /* va must hold code ending in ret */
#define PF_VECTOR 14
#define FAULTED_WITH(v) ((v) + 1)

/* A handler for vector 'vec' (interrupts and exceptions not raised by a
 * probe); without one, an exception is a FAIL and ends the run. */
typedef void (*trap_handler)(struct trap_frame*);
void set_trap_handler(unsigned vec, trap_handler h);
void idt_set_dpl(unsigned vec, unsigned dpl);
void idt_set_ist(unsigned vec, unsigned ist);

/* ---- Ring 3. user_call runs fn(arg) at CPL 3 on user_rsp until fn calls
 * user_exit(value); it returns that value. user_syscall(nr, a0, a1) goes to
 * the guest's guest_syscall hook (weak default: returns ~0). */
#define USER_EXIT 0x5E5E
uint64_t user_call(void (*fn)(uint64_t), uint64_t arg, uint64_t user_rsp);
static inline uint64_t user_syscall(uint64_t nr, uint64_t a0, uint64_t a1) {
  uint64_t r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
  return r;
}
static inline void __attribute__((noreturn)) user_exit(uint64_t value) {
  __asm__ volatile("syscall" ::"a"((uint64_t)USER_EXIT), "D"(value) : "rcx", "r11", "memory");
  __builtin_unreachable();
}
uint64_t guest_syscall(uint64_t nr, uint64_t a0, uint64_t a1);
extern uint8_t g_user_stack[16384]; /* a stack for user_call */
#define USER_STACK_TOP ((uint64_t)(g_user_stack + sizeof g_user_stack))

/* ---- Page tables. Frames come zeroed from an arena at 32 MiB (guests need
 * memory.guest_mib >= 64). new_address_space() returns a PML4 whose entry 0
 * is the boot identity map (0..4 GiB, 2 MiB pages, so this code keeps
 * running); tests map their own pages at TEST_VA and above. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define TEST_VA 0x0000008000000000ull /* PML4 entry 1: 512 GiB */
#define SIZE_4K 0x1000ull
#define SIZE_2M 0x200000ull
#define SIZE_1G 0x40000000ull
uint64_t alloc_frame(void);                     /* zeroed 4 KiB frame (physical = virtual) */
uint64_t alloc_frames_aligned(uint64_t bytes);  /* 'bytes'-aligned zeroed run */
uint64_t new_address_space(void);
/* Maps va -> pa with a leaf of 'size' (SIZE_4K/2M/1G) and 'flags' (the upper
 * levels get P|W|U plus 'upper'); returns the leaf entry's address. */
uint64_t* map_page(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
/* The leaf entry for va, or 0; *size gets its page size. */
uint64_t* leaf_entry(uint64_t pml4, uint64_t va, uint64_t* size);
/* The entry at 'level' (4 = PML4 ... 1 = PT) on va's path, or 0. */
uint64_t* entry_at(uint64_t pml4, uint64_t va, int level);
void memset_(void* p, int c, uint64_t n);
void memcpy_(void* d, const void* s, uint64_t n);
