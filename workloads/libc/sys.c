/* System-call wrappers. Linux convention: -errno in rax becomes -1 and
 * errno. */
#include "libc.h"

int errno;

long syscall6(long n, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static long ret_errno(long r) {
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

#define SC(n, a, b, c, d, e, f) ret_errno(syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)))

ssize_t read(int fd, void* buf, size_t n) { return SC(SYS_read, fd, buf, n, 0, 0, 0); }
ssize_t write(int fd, const void* buf, size_t n) { return SC(SYS_write, fd, buf, n, 0, 0, 0); }
int open(const char* path, int flags) { return (int)SC(SYS_openat, AT_FDCWD, path, flags, 0, 0, 0); }
int close(int fd) { return (int)SC(SYS_close, fd, 0, 0, 0, 0, 0); }
void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off) {
  long r = syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return MAP_FAILED;
  }
  return (void*)r;
}
int munmap(void* addr, size_t len) { return (int)SC(SYS_munmap, addr, len, 0, 0, 0, 0); }
int mprotect(void* addr, size_t len, int prot) { return (int)SC(SYS_mprotect, addr, len, prot, 0, 0, 0); }
pid_t fork(void) {
  fflush_stdout(); /* the child must not print the parent's buffered output */
  return (pid_t)SC(SYS_fork, 0, 0, 0, 0, 0, 0);
}
int execve(const char* path, char* const argv[], char* const envp[]) {
  return (int)SC(SYS_execve, path, argv, envp, 0, 0, 0);
}
pid_t wait4(pid_t pid, int* status, int options, void* rusage) {
  return (pid_t)SC(SYS_wait4, pid, status, options, rusage, 0, 0);
}
pid_t waitpid(pid_t pid, int* status, int options) { return wait4(pid, status, options, 0); }
pid_t getpid(void) { return (pid_t)SC(SYS_getpid, 0, 0, 0, 0, 0, 0); }
int sched_yield(void) { return (int)SC(SYS_sched_yield, 0, 0, 0, 0, 0, 0); }
int pipe(int fds[2]) { return (int)SC(SYS_pipe2, fds, 0, 0, 0, 0, 0); }
int dup2(int oldfd, int newfd) { return (int)SC(SYS_dup2, oldfd, newfd, 0, 0, 0, 0); }
int clock_gettime(int clk, struct timespec* ts) { return (int)SC(SYS_clock_gettime, clk, ts, 0, 0, 0, 0); }
void roi_begin(void) { syscall6(SYS_vmsim_roi, VMSIM_ROI_BEGIN, 0, 0, 0, 0, 0); }
void roi_end(void) { syscall6(SYS_vmsim_roi, VMSIM_ROI_END, 0, 0, 0, 0, 0); }

static char* cur_brk;
void* sbrk(intptr_t inc) {
  if (!cur_brk) cur_brk = (char*)syscall6(SYS_brk, 0, 0, 0, 0, 0, 0);
  char* old = cur_brk;
  char* want = old + inc;
  char* got = (char*)syscall6(SYS_brk, (long)want, 0, 0, 0, 0, 0);
  if (got != want) {
    errno = ENOMEM;
    return (void*)-1;
  }
  cur_brk = got;
  return old;
}

__attribute__((noreturn)) void _exit(int code) {
  for (;;) syscall6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

__attribute__((noreturn)) void exit(int code) {
  fflush_stdout();
  _exit(code);
}

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
