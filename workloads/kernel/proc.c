/* Processes: the table, round-robin scheduling, fork, execve, exit, wait4.
 *
 * Each process has a kernel stack (a static 16 KiB slot) and its own address
 * space. schedule() is called by the running process with its new state
 * set; it picks the next runnable process after it in table order and
 * switches to it: user SSE state (xmm0-15, MXCSR), TSS.RSP0, and CR3 only
 * when the address space really changes. Preemption: the APIC timer
 * interrupt from user mode calls schedule() (arch.c). */
#include "../include/vmsim_syscalls.h"
#include "cpio.h"
#include "elf.h"
#include "kernel.h"

static struct proc g_procs[MAX_PROCS];
static uint8_t g_kstacks[MAX_PROCS][KSTACK_SIZE] __attribute__((aligned(16)));
struct proc* g_current;
static int g_next_pid = 1;
static const uint8_t g_fpu_init[272] __attribute__((aligned(16))) = {[256] = 0x80, [257] = 0x1f}; /* MXCSR 0x1f80 */

void proc_init(void) {
  for (int i = 0; i < MAX_PROCS; ++i) {
    g_procs[i].state = P_FREE;
    g_procs[i].kstack = (uint64_t)g_kstacks[i];
  }
}

static struct proc* find_pid(int pid) {
  for (int i = 0; i < MAX_PROCS; ++i)
    if (g_procs[i].state != P_FREE && g_procs[i].pid == pid) return &g_procs[i];
  return 0;
}

static struct proc* alloc_proc(void) {
  for (int i = 0; i < MAX_PROCS; ++i) {
    struct proc* p = &g_procs[i];
    if (p->state != P_FREE) continue;
    uint64_t kstack = p->kstack;
    memset(p, 0, sizeof *p);
    p->kstack = kstack;
    p->pid = g_next_pid++;
    p->tf = (struct trapframe*)(kstack + KSTACK_SIZE - sizeof(struct trapframe));
    return p;
  }
  return 0;
}

/* Prepare p's kernel stack so that the first swtch to it resumes 'resume'
 * (syscall_return or trap_return) with p->tf at the stack pointer. */
static void prepare_kstack(struct proc* p, void (*resume)(void)) {
  uint64_t* sp = (uint64_t*)p->tf;
  *--sp = (uint64_t)resume;
  for (int i = 0; i < 6; ++i) *--sp = 0; /* rbp rbx r12 r13 r14 r15 */
  p->ksp = (uint64_t)sp;
}

static void switch_to(struct proc* next) {
  struct proc* prev = g_current;
  if (next == prev) return;
  fpu_save(prev->fpu);
  fpu_restore(next->fpu);
  set_kernel_stack(next->kstack + KSTACK_SIZE);
  switch_address_space(&next->mm);
  g_current = next;
  ++g_stats.context_switches;
  swtch(&prev->ksp, next->ksp);
}

void schedule(void) {
  int cur = (int)(g_current - g_procs);
  for (int n = 1; n <= MAX_PROCS; ++n) {
    struct proc* p = &g_procs[(cur + n) % MAX_PROCS];
    if (p->state == P_RUNNABLE) {
      switch_to(p);
      return;
    }
  }
  panic("no runnable process (deadlock)");
}

void sleep_on(const void* chan) {
  g_current->wchan = chan;
  g_current->state = P_SLEEPING;
  schedule();
  g_current->wchan = 0;
}

void wakeup(const void* chan) {
  for (int i = 0; i < MAX_PROCS; ++i)
    if (g_procs[i].state == P_SLEEPING && g_procs[i].wchan == chan) g_procs[i].state = P_RUNNABLE;
}

/* ---- exec -------------------------------------------------------------------- */

#define ARG_MAX_BYTES 4096
#define MAX_ARGV 64

static uint32_t seg_flags(uint32_t pf) {
  return (pf & ELF_PF_R ? VMA_READ : 0) | (pf & ELF_PF_W ? VMA_WRITE : 0) | (pf & ELF_PF_X ? VMA_EXEC : 0);
}

/* Build a new address space running 'path' with the given arguments, make
 * it p's, and point p's trap frame at its entry. The old space is freed.
 * On error nothing changes. */
static int64_t do_exec(struct proc* p, const char* path, int argc, char* const argv[]) {
  struct cpio_file f;
  if (cpio_find(g_initrd, g_initrd_size, path, &f) != 1) return -ENOENT;
  struct elf_info ei;
  if (elf_parse(f.data, f.size, &ei) != ELF_OK) return -ENOEXEC;

  /* The initial stack (System V ABI, 3.4.1): argc, argv[], NULL, envp NULL,
   * auxv {AT_PAGESZ, 4096}, {AT_NULL}; the strings above. Built in a buffer
   * that becomes the top of the stack. */
  static uint8_t stk[2 * ARG_MAX_BYTES];
  uint64_t top = STACK_TOP, used = 0;
  uint64_t ptrs[MAX_ARGV];
  if (argc > MAX_ARGV) return -E2BIG;
  for (int i = argc - 1; i >= 0; --i) {
    uint64_t n = strlen(argv[i]) + 1;
    if (used + n > ARG_MAX_BYTES) return -E2BIG;
    used += n;
    memcpy(stk + sizeof stk - used, argv[i], n);
    ptrs[i] = top - used;
  }
  used = (used + 15) & ~15ull;
  uint64_t words = 1 + (uint64_t)argc + 1 + 1 + 4;
  if (words & 1) ++words; /* keep rsp 16-byte aligned at argc */
  uint64_t* w = (uint64_t*)(stk + sizeof stk - used - words * 8);
  uint64_t k = 0;
  w[k++] = (uint64_t)argc;
  for (int i = 0; i < argc; ++i) w[k++] = ptrs[i];
  w[k++] = 0; /* argv end */
  w[k++] = 0; /* envp end */
  w[k++] = 6; /* AT_PAGESZ */
  w[k++] = PAGE_SIZE;
  w[k++] = 0; /* AT_NULL */
  w[k++] = 0;
  used += words * 8;

  struct mm nm;
  mm_create(&nm);
  nm.pcid = (uint16_t)(p - g_procs + 1);
  uint64_t brk = 0;
  for (uint32_t i = 0; i < ei.nsegs; ++i) {
    const struct elf_seg* s = &ei.segs[i];
    uint64_t start = PAGE_ROUND_DOWN(s->vaddr), end = PAGE_ROUND_UP(s->vaddr + s->memsz);
    uint32_t fl = seg_flags(s->flags);
    /* Segments may share a page at their ends: merge rights there. */
    int r = 0;
    for (uint64_t a = start; a < end && !r;) {
      int j = -1;
      for (uint32_t q = 0; q < nm.nvma; ++q)
        if (a >= nm.vma[q].start && a < nm.vma[q].end) j = (int)q;
      if (j >= 0) {
        nm.vma[j].flags |= fl;
        a = nm.vma[j].end;
        continue;
      }
      uint64_t b = end;
      for (uint32_t q = 0; q < nm.nvma; ++q)
        if (nm.vma[q].start > a && nm.vma[q].start < b) b = nm.vma[q].start;
      r = mm_add_vma(&nm, a, b, fl);
      a = b;
    }
    /* File bytes are copied now; the rest (bss) is demand-zero, except the
     * tail of the last file page, which the copy leaves zeroed. */
    if (!r && s->filesz) r = mm_populate(&nm, s->vaddr, f.data + s->offset, s->filesz, fl);
    if (r) {
      mm_destroy(&nm);
      mm_free_pml4(&nm);
      return -ENOMEM;
    }
    if (end > brk) brk = end;
  }
  if (mm_add_vma(&nm, STACK_TOP - STACK_SIZE, STACK_TOP, VMA_READ | VMA_WRITE) ||
      mm_populate(&nm, top - used, stk + sizeof stk - used, used, VMA_READ | VMA_WRITE)) {
    mm_destroy(&nm);
    mm_free_pml4(&nm);
    return -ENOMEM;
  }
  nm.brk_start = nm.brk = brk;

  struct mm old = p->mm;
  p->mm = nm;
  if (p == g_current) switch_address_space(&p->mm);
  if (old.pml4) {
    mm_destroy(&old);
    mm_free_pml4(&old);
  }
  const char* base = path;
  for (const char* c = path; *c; ++c)
    if (*c == '/') base = c + 1;
  size_t n = strlen(base);
  if (n > sizeof p->name - 1) n = sizeof p->name - 1;
  memcpy(p->name, base, n);
  p->name[n] = 0;

  struct trapframe* tf = p->tf;
  memset(tf, 0, sizeof *tf);
  tf->rip = ei.entry;
  tf->cs = SEL_UCODE;
  tf->rflags = 0x202;
  tf->rsp = top - used;
  tf->ss = SEL_UDATA;
  tf->vector = VEC_SYSCALL;
  memcpy(p->fpu, g_fpu_init, sizeof p->fpu);
  if (p == g_current) fpu_restore(p->fpu);
  ++g_stats.execs;
  return 0;
}

__attribute__((noreturn)) void start_first_process(const char* name, int argc, char** argv) {
  struct proc* p = alloc_proc();
  g_current = p;
  file_init_console(p);
  int64_t r = do_exec(p, name, argc, argv);
  if (r == -ENOENT) {
    kprintf("kernel: unknown workload '%s'\n", name);
    machine_exit(127);
  }
  if (r) {
    kprintf("kernel: cannot run '%s' (error %ld)\n", name, -r);
    machine_exit(126);
  }
  p->state = P_RUNNABLE;
  set_kernel_stack(p->kstack + KSTACK_SIZE);
  switch_address_space(&p->mm);
  apic_timer_start(g_timer_period);
  /* Enter user mode through the frame at the top of the kernel stack. */
  __asm__ volatile("mov %0, %%rsp\n\tjmp trap_return" : : "r"(p->tf) : "memory");
  __builtin_unreachable();
}

int64_t sys_execve(uint64_t upath, uint64_t uargv, uint64_t uenvp) {
  (void)uenvp;
  struct mm* mm = &g_current->mm;
  static char path[256];
  static char strings[ARG_MAX_BYTES];
  static char* argv[MAX_ARGV + 1];
  int r = ustring(mm, upath, path, sizeof path);
  if (r < 0) return r == -E2BIG ? -ENOENT : r;
  int argc = 0;
  uint64_t used = 0;
  if (uargv) {
    for (;; ++argc) {
      uint64_t a = uargv + (uint64_t)argc * 8;
      if (uaccess(mm, a, 8, 0)) return -EFAULT;
      uint64_t s = *(const uint64_t*)a;
      if (!s) break;
      if (argc == MAX_ARGV) return -E2BIG;
      r = ustring(mm, s, strings + used, sizeof strings - used);
      if (r < 0) return r;
      argv[argc] = strings + used;
      used += (uint64_t)r + 1;
    }
  }
  argv[argc] = 0;
  int64_t e = do_exec(g_current, path, argc, argv);
  if (e) return e;
  return 0; /* the frame now enters the new program; rax = 0 */
}

/* ---- fork, exit, wait --------------------------------------------------------- */

int64_t sys_fork(void) {
  struct proc* c = alloc_proc();
  if (!c) return -EAGAIN;
  struct proc* p = g_current;
  mm_fork(&p->mm, &c->mm, (uint16_t)(c - g_procs + 1));
  file_dup_all(p, c);
  memcpy(c->name, p->name, sizeof c->name);
  c->ppid = p->pid;
  *c->tf = *p->tf;
  c->tf->rax = 0;
  fpu_save(c->fpu); /* the parent's live user SSE state */
  prepare_kstack(c, p->tf->vector == VEC_SYSCALL ? syscall_return : trap_return);
  c->state = P_RUNNABLE;
  ++g_stats.forks;
  return c->pid;
}

__attribute__((noreturn)) void proc_exit(int wstatus) {
  struct proc* p = g_current;
  file_close_all(p);
  mm_destroy(&p->mm); /* frames and tables; the PML4 goes at reaping */
  if (p->pid == 1) {
    /* The first process's status ends the run (isa-debug-exit). */
    uint32_t code = (wstatus & 0x7f) ? 128 + (uint32_t)(wstatus & 0x7f) : (uint32_t)((wstatus >> 8) & 0xff);
    machine_exit(code);
  }
  struct proc* init = find_pid(1);
  for (int i = 0; i < MAX_PROCS; ++i) {
    struct proc* c = &g_procs[i];
    if (c->state != P_FREE && c->ppid == p->pid) {
      c->ppid = 1;
      if (c->state == P_ZOMBIE && init) wakeup(init);
    }
  }
  p->exit_status = wstatus;
  p->state = P_ZOMBIE;
  struct proc* parent = find_pid(p->ppid);
  if (parent) wakeup(parent);
  schedule();
  panic("a zombie ran");
}

int64_t sys_exit(int64_t code) { proc_exit((int)((code & 0xff) << 8)); }

int64_t sys_wait4(int64_t pid, uint64_t ustatus, uint64_t options, uint64_t rusage) {
  (void)rusage;
  struct proc* me = g_current;
  if (ustatus && uaccess(&me->mm, ustatus, 4, 1)) return -EFAULT;
  for (;;) {
    int have = 0;
    for (int i = 0; i < MAX_PROCS; ++i) {
      struct proc* c = &g_procs[i];
      if (c->state == P_FREE || c->ppid != me->pid) continue;
      if (pid > 0 && c->pid != pid) continue;
      have = 1;
      if (c->state != P_ZOMBIE) continue;
      int cpid = c->pid;
      if (ustatus) {
        if (uaccess(&me->mm, ustatus, 4, 1)) return -EFAULT;
        *(int32_t*)ustatus = c->exit_status;
      }
      mm_free_pml4(&c->mm);
      c->state = P_FREE;
      return cpid;
    }
    if (!have) return -ECHILD;
    if (options & WNOHANG) return 0;
    sleep_on(me);
  }
}

int64_t sys_getpid(void) { return g_current->pid; }

int64_t sys_sched_yield(void) {
  g_current->state = P_RUNNABLE;
  schedule();
  return 0;
}
