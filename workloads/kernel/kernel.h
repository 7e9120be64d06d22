/* The guest kernel's common declarations: layout constants, CPU helpers,
 * console, and the interfaces between its files. */
#ifndef VMSIM_KERNEL_H
#define VMSIM_KERNEL_H
#include <stddef.h>
#include <stdint.h>

#include "frame_alloc.h"

/* ---- Virtual memory layout ------------------------------------------------
 * 0x0000000000400000  user programs (their ELF addresses)
 *   ...               brk heap, right after the program's last segment
 * 0x0000100000000000  mmap area (first fit, upwards)
 * 0x00007ffffff00000  top of the user stack (8 MiB, demand-zero)
 * 0xffff800000000000  direct map of all physical memory (2 MiB global pages)
 * 0xffffffff80000000  the kernel image (2 MiB global pages over phys 0..1 GiB)
 */
#define KERNEL_VMA 0xffffffff80000000ull
#define DIRECT_MAP 0xffff800000000000ull
#define USER_TOP 0x0000800000000000ull
#define MMAP_BASE 0x0000100000000000ull
#define STACK_TOP 0x00007ffffff00000ull
#define STACK_SIZE (8ull << 20)

#define PAGE_SIZE 4096ull
#define HUGE_SIZE (2ull << 20)
#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

#ifdef VMSIM_KERNEL_HOST_TEST
/* vm.c compiled for the host unit tests (tests/kernel/vm_test.cpp):
 * physical memory is a host buffer and CR3 writes and INVLPG are recorded. */
extern uint8_t* g_host_phys;
static inline void* p2v(uint64_t pa) { return g_host_phys + pa; }
static inline uint64_t v2p(const void* va) { return (uint64_t)((const uint8_t*)va - g_host_phys); }
#else
static inline void* p2v(uint64_t pa) { return (void*)(pa + DIRECT_MAP); }
static inline uint64_t v2p(const void* va) {
  uint64_t v = (uint64_t)va;
  return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP;
}
#endif

/* Page-table entry bits (SDM 4.5). */
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_PS 0x80ull
#define PTE_G 0x100ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_ADDR_2M 0x000fffffffe00000ull

/* Selectors (GDT in arch.c). STAR makes sysret use 0x2b/0x23. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23
#define SEL_UCODE 0x2b
#define SEL_TSS 0x30

/* ---- CPU helpers ---------------------------------------------------------- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t read_cr2(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
static inline uint64_t read_cr3(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
#ifdef VMSIM_KERNEL_HOST_TEST
void host_write_cr3(uint64_t v);
void host_invlpg(uint64_t va);
static inline void write_cr3(uint64_t v) { host_write_cr3(v); }
static inline void invlpg(uint64_t va) { host_invlpg(va); }
#else
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
#endif

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u

/* ---- Event counters, printed at exit with the kernel option verbose=1 so
 * that vmsim's counts (native mode) can be checked against the kernel's. */
struct kstats {
  uint64_t syscalls, timer_ticks, context_switches, cr3_switches;
  uint64_t faults, demand_zero, demand_zero_2m, cow_copies, cow_reuses, spurious_faults;
  uint64_t invlpg, cr3_reloads; /* flushes the TLB policy asked for */
  uint64_t cr3_noflush;         /* PCID switches that kept the TLB (CR3 bit 63) */
  uint64_t forks, execs;
};
extern struct kstats g_stats;

/* ---- lib.c ---------------------------------------------------------------- */
#ifdef VMSIM_KERNEL_HOST_TEST
#include <string.h>
#else
void* memset(void* d, int c, size_t n);
void* memcpy(void* d, const void* s, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
#endif
void zero_page(void* p); /* one rep stosq over 4 KiB */
void copy_page(void* d, const void* s);

/* ---- console.c ------------------------------------------------------------ */
void console_putc(char c);
void console_write(const char* s, size_t n);
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* End the run: the first process's exit status goes to isa-debug-exit. */
__attribute__((noreturn)) void machine_exit(uint32_t code);

/* ---- main.c: physical memory ---------------------------------------------- */
extern struct frame_alloc g_frames;
uint64_t frame_alloc_zeroed(void); /* physical address; panics when out of memory */
uint64_t frame_try_zeroed(void);   /* physical address, or 0 when out of memory */
extern uint64_t g_kernel_pml4;     /* physical address of the kernel's PML4 */
extern const uint8_t* g_initrd;    /* direct-map pointer, or NULL */
extern uint64_t g_initrd_size;
extern uint64_t g_timer_period;    /* APIC timer initial count; 0 = no preemption */
extern int g_verbose;              /* kernel option verbose=1 */
extern int g_pcid;                 /* kernel option pcid=1, when the CPU has PCIDs */

/* ---- arch.c --------------------------------------------------------------- */
struct trapframe {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss; /* the hardware's interrupt frame */
};
#define VEC_TIMER 32
#define VEC_SPURIOUS 0xff
#define VEC_SYSCALL 256 /* pseudo-vector of a syscall-built frame */

void arch_init(void);
void apic_timer_start(uint64_t period);
void set_kernel_stack(uint64_t top); /* TSS.RSP0 and the syscall stack */
void trap_handler(struct trapframe* tf);

/* ---- entry.S -------------------------------------------------------------- */
void swtch(uint64_t* save_rsp, uint64_t new_rsp);
void syscall_entry(void);
void syscall_return(void); /* resume a syscall frame at the stack pointer */
void trap_return(void);    /* resume an interrupt frame at the stack pointer */
void fpu_save(void* area);          /* xmm0-15 + MXCSR, 260 bytes */
void fpu_restore(const void* area);
extern uint64_t g_syscall_rsp; /* kernel stack top used by syscall_entry */
extern uint64_t isr_table[];

/* ---- vm.c ----------------------------------------------------------------- */
#define VMA_READ 0x1u
#define VMA_WRITE 0x2u
#define VMA_EXEC 0x4u
#define VMA_HUGE 0x100u /* back with 2 MiB pages */
#define VMA_HEAP 0x200u
#define MAX_VMAS 64

struct vma {
  uint64_t start, end;
  uint32_t flags;
};

struct mm {
  uint64_t pml4;  /* physical */
  uint16_t pcid;  /* with the kernel option pcid=1: the process slot + 1 */
  uint8_t fresh;  /* its PCID may hold stale entries: flush at the next load */
  uint64_t brk_start, brk;
  uint32_t nvma;
  struct vma vma[MAX_VMAS]; /* sorted by address, non-overlapping */
};

int mm_create(struct mm* mm);
void mm_destroy(struct mm* mm);
void mm_free_pml4(struct mm* mm);
int mm_fork(struct mm* parent, struct mm* child, uint16_t pcid);
int mm_add_vma(struct mm* mm, uint64_t start, uint64_t end, uint32_t flags);
/* Resolve a fault at va; access holds the #PF error code's W and I/D bits.
 * 0 handled, MM_FAULT_SEGV a real fault, MM_FAULT_OOM out of memory (either
 * way the process dies). */
#define PF_WRITE 0x2u
#define PF_FETCH 0x10u
#define MM_FAULT_SEGV (-1)
#define MM_FAULT_OOM (-2)
int mm_fault(struct mm* mm, uint64_t va, uint64_t access);
/* Make [addr, addr+len) accessible to the kernel, faulting pages in. */
int uaccess(struct mm* mm, uint64_t addr, uint64_t len, int write);
int ustring(struct mm* mm, uint64_t addr, char* out, size_t max); /* copy a NUL-terminated string */
/* Copy into a page that exec is preparing, before the space is current. */
int mm_populate(struct mm* mm, uint64_t va, const void* src, uint64_t n, uint32_t extra_flags);
int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off);
int64_t sys_munmap(uint64_t addr, uint64_t len);
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
int64_t sys_brk(uint64_t addr);
void switch_address_space(struct mm* mm);
extern uint64_t g_loaded_cr3;

/* ---- proc.c --------------------------------------------------------------- */
#define MAX_PROCS 64
#define MAX_FDS 16
#define KSTACK_SIZE 16384

enum proc_state { P_FREE = 0, P_RUNNABLE, P_SLEEPING, P_ZOMBIE };

struct file;
struct proc {
  enum proc_state state;
  int pid;
  int ppid;
  int exit_status; /* wait4 encoding */
  const void* wchan;
  uint64_t ksp;       /* saved kernel stack pointer (swtch) */
  uint64_t kstack;    /* bottom of the kernel stack */
  struct trapframe* tf;
  struct mm mm;
  struct file* fd[MAX_FDS];
  char name[32];
  uint8_t fpu[272] __attribute__((aligned(16)));
};

extern struct proc* g_current;
void proc_init(void);
__attribute__((noreturn)) void start_first_process(const char* name, int argc, char** argv);
void schedule(void);
void sleep_on(const void* chan);
void wakeup(const void* chan);
__attribute__((noreturn)) void proc_exit(int wstatus);
int64_t sys_fork(void);
int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp);
int64_t sys_wait4(int64_t pid, uint64_t status, uint64_t options, uint64_t rusage);
int64_t sys_exit(int64_t code);
int64_t sys_getpid(void);
int64_t sys_sched_yield(void);

/* ---- file.c --------------------------------------------------------------- */
void file_init_console(struct proc* p);
void file_dup_all(struct proc* parent, struct proc* child);
void file_close_all(struct proc* p);
int64_t sys_read(int64_t fd, uint64_t buf, uint64_t len);
int64_t sys_write(int64_t fd, uint64_t buf, uint64_t len);
int64_t sys_openat(int64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode);
int64_t sys_close(int64_t fd);
int64_t sys_dup2(int64_t oldfd, int64_t newfd);
int64_t sys_pipe2(uint64_t fds, uint64_t flags);

/* ---- syscall.c ------------------------------------------------------------ */
void syscall_handler(struct trapframe* tf);

#endif
