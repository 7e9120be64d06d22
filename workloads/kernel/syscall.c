/* System-call dispatch: Linux x86-64 numbers and convention (rax = number;
 * rdi, rsi, rdx, r10, r8, r9 = arguments; rax = result or -errno). */
#include "../include/vmsim_syscalls.h"
#include "kernel.h"

/* clock_gettime: the TSC at 1 tick = 1 ns. On vmsim the TSC counts retired
 * guest instructions, so "time" is instructions; under QEMU it is real. */
static int64_t sys_clock_gettime(uint64_t clk, uint64_t uts) {
  (void)clk;
  if (uaccess(&g_current->mm, uts, 16, 1)) return -EFAULT;
  uint64_t t = rdtsc();
  ((int64_t*)uts)[0] = (int64_t)(t / 1000000000ull);
  ((int64_t*)uts)[1] = (int64_t)(t % 1000000000ull);
  return 0;
}

static int64_t sys_vmsim_roi(uint64_t what) {
  if (what != VMSIM_ROI_BEGIN && what != VMSIM_ROI_END) return -EINVAL;
  outl(0x0d10, (uint32_t)what);
  return 0;
}

void syscall_handler(struct trapframe* tf) {
  uint64_t a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx, a3 = tf->r10, a4 = tf->r8, a5 = tf->r9;
  int64_t r;
  ++g_stats.syscalls;
  switch (tf->rax) {
    case SYS_read: r = sys_read((int64_t)a0, a1, a2); break;
    case SYS_write: r = sys_write((int64_t)a0, a1, a2); break;
    case SYS_close: r = sys_close((int64_t)a0); break;
    case SYS_mmap: r = sys_mmap(a0, a1, a2, a3, (int64_t)a4, a5); break;
    case SYS_mprotect: r = sys_mprotect(a0, a1, a2); break;
    case SYS_munmap: r = sys_munmap(a0, a1); break;
    case SYS_brk: r = sys_brk(a0); break;
    case SYS_sched_yield: r = sys_sched_yield(); break;
    case SYS_dup2: r = sys_dup2((int64_t)a0, (int64_t)a1); break;
    case SYS_getpid: r = sys_getpid(); break;
    case SYS_clone:
      /* clone as fork: only a plain fork request (flags = SIGCHLD, no new stack). */
      r = ((a0 & ~0xffull) == 0 && a1 == 0) ? sys_fork() : -ENOSYS;
      break;
    case SYS_fork: r = sys_fork(); break;
    case SYS_execve: r = sys_execve(a0, a1, a2); break;
    case SYS_exit:
    case SYS_exit_group: r = sys_exit((int64_t)a0); break;
    case SYS_wait4: r = sys_wait4((int64_t)a0, a1, a2, a3); break;
    case SYS_clock_gettime: r = sys_clock_gettime(a0, a1); break;
    case SYS_openat: r = sys_openat((int64_t)a0, a1, a2, a3); break;
    case SYS_pipe2: r = sys_pipe2(a0, a1); break;
    case SYS_vmsim_roi: r = sys_vmsim_roi(a0); break;
    default: r = -ENOSYS; break;
  }
  tf->rax = (uint64_t)r;
}
