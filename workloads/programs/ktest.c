/* ktest: the guest kernel's self-test (not a workload): system-call
 * semantics and edge cases, each check printed on failure. Ends with
 * "ktest: N checks passed" and exit 0, or exit 1 on the first failure
 * report. Run it like a workload: `run-qemu.sh ktest`. */
#include "libc.h"

static int checks, failures;

#define CHECK(cond)                                                      \
  do {                                                                   \
    ++checks;                                                            \
    if (!(cond)) {                                                       \
      ++failures;                                                        \
      printf("ktest: FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
    }                                                                    \
  } while (0)

static int child_status(void (*fn)(void)) {
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    _exit(0);
  }
  int st = -1;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return st;
}

static volatile uint64_t* target;
static void write_target(void) { *target = 1; }
static void jump_to_data(void) {
  static uint8_t data[16] = {0xc3}; /* ret, in a non-executable page */
  ((void (*)(void))(uintptr_t)data)();
}
static void exec_missing(void) {
  char* argv[] = {"nosuch", 0};
  _exit(execve("/nosuch", argv, 0) == -1 && errno == ENOENT ? 42 : 43);
}
static void run_child_program(void) {
  char* argv[] = {"child", "5", 0};
  execve("/child", argv, 0);
  _exit(99);
}

int main(void) {
  const long P = 4096;

  /* Unknown system calls, getpid, clock. */
  CHECK(syscall6(4242, 0, 0, 0, 0, 0, 0) == -ENOSYS);
  CHECK(syscall6(SYS_vmsim_roi, 7, 0, 0, 0, 0, 0) == -EINVAL);
  CHECK(getpid() == 1);
  struct timespec t1, t2;
  CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &t2) == 0);
  CHECK(t2.tv_sec > t1.tv_sec || (t2.tv_sec == t1.tv_sec && t2.tv_nsec > t1.tv_nsec));
  CHECK(t1.tv_nsec >= 0 && t1.tv_nsec < 1000000000);
  CHECK(write(1, (void*)0xffff800000000000ull, 1) == -1 && errno == EFAULT);
  CHECK(write(1, (void*)0x10, 1) == -1 && errno == EFAULT);
  CHECK(write(99, "x", 1) == -1 && errno == EBADF);

  printf("ktest: five segmentation faults of children follow, on purpose\n");

  /* mmap, partial munmap, mprotect, PROT_NONE. */
  char* m = mmap(0, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED && ((uint64_t)m & (P - 1)) == 0);
  for (int i = 0; i < 8; ++i) CHECK(m[i * P] == 0);
  for (int i = 0; i < 8; ++i) m[i * P + 1] = (char)(i + 1);
  CHECK(munmap(m + 2 * P, 2 * P) == 0);
  target = (volatile uint64_t*)(m + 2 * P);
  CHECK(child_status(write_target) == 11); /* killed by SIGSEGV */
  CHECK(m[1] == 1 && m[7 * P + 1] == 8);
  char* again = mmap(m + 2 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK(again == m + 2 * P && again[1] == 0);
  CHECK(mprotect(m, 4 * P, PROT_READ) == 0);
  target = (volatile uint64_t*)(m + P);
  CHECK(child_status(write_target) == 11);
  CHECK(m[P + 1] == 2);
  CHECK(mprotect(m, 4 * P, PROT_READ | PROT_WRITE) == 0);
  m[P + 1] = 9;
  CHECK(m[P + 1] == 9);
  CHECK(mprotect(m + 4 * P, P, PROT_NONE) == 0);
  target = (volatile uint64_t*)(m + 4 * P);
  CHECK(child_status(write_target) == 11);
  CHECK(read(0, m + 4 * P, 1) == -1 && errno == EFAULT); /* the kernel refuses it too */
  CHECK(mprotect(m + 4 * P, P, PROT_READ | PROT_WRITE) == 0 && m[4 * P + 1] == 5);
  CHECK(child_status(jump_to_data) == 11); /* NX */
  CHECK(munmap(m, 8 * P) == 0);
  CHECK(munmap(m, 8 * P) == 0); /* nothing mapped: fine */
  CHECK(mprotect(m, P, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(munmap(m + 1, P) == -1 && errno == EINVAL);
  CHECK(mmap(0, P, PROT_READ, MAP_PRIVATE, 3, 0) == MAP_FAILED);
  CHECK(mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);

  /* 2 MiB pages: aligned placement, 2 MiB granularity for munmap. */
  const long H = 2l << 20;
  char* h = mmap(0, 3 * H, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
  CHECK(h != MAP_FAILED && ((uint64_t)h & (H - 1)) == 0);
  for (long i = 0; i < 3 * H; i += P) h[i] = (char)(i >> 12);
  CHECK(h[H + 5 * P] == 5 + 512 % 256);
  CHECK(munmap(h + P, P) == -1 && errno == EINVAL);
  CHECK(munmap(h + H, H) == 0);
  CHECK(h[2 * H] == 0 && h[P] == 1);
  CHECK(mprotect(h, H, PROT_READ) == 0);
  target = (volatile uint64_t*)h;
  CHECK(child_status(write_target) == 11);
  /* Copy-on-write of a 2 MiB page: the child's write copies it. */
  target = (volatile uint64_t*)(h + 2 * H + 8);
  *target = 77;
  pid_t hp = fork();
  if (hp == 0) {
    *target = 88;
    _exit(*target == 88 && h[2 * H + 3 * P] == 3 ? 0 : 1);
  }
  int hst = -1;
  CHECK(waitpid(hp, &hst, 0) == hp && hst == 0);
  CHECK(*target == 77);
  *target = 99; /* the parent is the sole owner again: upgraded in place */
  CHECK(*target == 99);
  CHECK(munmap(h, 3 * H) == 0);

  /* brk: grow, use, shrink, grow again (zeroed). */
  char* b0 = sbrk(0);
  CHECK(sbrk(3 * P) == b0);
  for (int i = 0; i < 3 * P; ++i) b0[i] = 7;
  CHECK(sbrk(-2 * P) == b0 + 3 * P);
  CHECK(sbrk(2 * P) == b0 + P);
  CHECK(b0[P - 1] == 7 && b0[P] == 0 && b0[2 * P] == 0);

  /* fork and copy-on-write; wait4 semantics. */
  uint64_t* shared = malloc(64 * 1024);
  for (int i = 0; i < 8192; ++i) shared[i] = (uint64_t)i;
  int fd[2];
  CHECK(pipe(fd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    uint64_t s = 0;
    for (int i = 0; i < 8192; ++i) s += (shared[i] *= 3);
    write(fd[1], &s, 8);
    _exit(7);
  }
  CHECK(pid > 1);
  uint64_t s = 0;
  CHECK(read(fd[0], &s, 8) == 8 && s == 3ull * 8191 * 8192 / 2);
  int st = 0;
  CHECK(wait4(-1, &st, 0, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
  CHECK(shared[8191] == 8191);
  CHECK(wait4(-1, &st, WNOHANG, 0) == -1 && errno == ECHILD);
  pid = fork();
  if (pid == 0) {
    char c;
    read(fd[0], &c, 1); /* blocks until the parent writes */
    _exit(c);
  }
  CHECK(wait4(pid, &st, WNOHANG, 0) == 0);
  CHECK(write(fd[1], "\x05", 1) == 1);
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 5);
  /* clone as fork */
  pid = (pid_t)syscall6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
  if (pid == 0) _exit(3);
  CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
  CHECK(syscall6(SYS_clone, 0x100 /* CLONE_VM */, 0, 0, 0, 0, 0) == -ENOSYS);

  /* Pipes: EOF after the last writer closes; EPIPE without readers. */
  CHECK(close(fd[1]) == 0);
  char c;
  CHECK(read(fd[0], &c, 1) == 0);
  CHECK(close(fd[0]) == 0);
  CHECK(close(fd[0]) == -1 && errno == EBADF);
  CHECK(pipe(fd) == 0 && close(fd[0]) == 0);
  CHECK(write(fd[1], "x", 1) == -1 && errno == EPIPE);
  close(fd[1]);
  /* A write larger than the pipe, drained by a child. */
  CHECK(pipe(fd) == 0);
  pid = fork();
  if (pid == 0) {
    close(fd[1]);
    uint64_t sum = 0, n = 0;
    unsigned char buf[1000];
    ssize_t r;
    while ((r = read(fd[0], buf, sizeof buf)) > 0)
      for (ssize_t i = 0; i < r; ++i) sum += buf[i], ++n;
    _exit(n == 20000 && sum == 20000ull * 3 ? 0 : 1);
  }
  close(fd[0]);
  char* big = malloc(20000);
  memset(big, 3, 20000);
  CHECK(write(fd[1], big, 20000) == 20000);
  close(fd[1]);
  CHECK(waitpid(pid, &st, 0) == pid && st == 0);

  /* dup2, openat on the initrd and the console. */
  int f = open("/child", O_RDONLY);
  CHECK(f >= 3);
  char hdr[4];
  CHECK(read(f, hdr, 4) == 4 && hdr[0] == 0x7f && hdr[1] == 'E');
  CHECK(dup2(f, 9) == 9 && read(9, hdr, 1) == 1 && close(9) == 0);
  CHECK(close(f) == 0);
  CHECK(open("/nosuch", O_RDONLY) == -1 && errno == ENOENT);
  CHECK(open("/child", O_WRONLY) == -1);
  f = open("/dev/console", O_WRONLY);
  CHECK(f >= 0 && write(f, "", 0) == 0 && close(f) == 0);
  CHECK(read(0, hdr, 1) == 0);

  /* exec: a missing program fails in the caller; a real one replaces it. */
  CHECK(child_status(exec_missing) == 42 << 8);
  st = child_status(run_child_program);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 99);
  CHECK(sched_yield() == 0);

  if (failures) {
    printf("ktest: %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("ktest: %d checks passed\n", checks);
  return 0;
}
