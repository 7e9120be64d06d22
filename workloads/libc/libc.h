/* The workloads' small libc: system calls (the guest kernel's Linux
 * subset), strings, printf, malloc, number parsing, option parsing, the
 * region-of-interest markers, and checksum helpers. */
#ifndef VMSIM_LIBC_H
#define VMSIM_LIBC_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/vmsim_syscalls.h"

typedef int64_t ssize_t;
typedef int pid_t;
struct timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

/* ---- system calls ---- */
long syscall6(long n, long a, long b, long c, long d, long e, long f);
ssize_t read(int fd, void* buf, size_t n);
ssize_t write(int fd, const void* buf, size_t n);
int open(const char* path, int flags);
int close(int fd);
void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off);
int munmap(void* addr, size_t len);
int mprotect(void* addr, size_t len, int prot);
void* sbrk(intptr_t inc);
pid_t fork(void);
int execve(const char* path, char* const argv[], char* const envp[]);
pid_t wait4(pid_t pid, int* status, int options, void* rusage);
pid_t waitpid(pid_t pid, int* status, int options);
pid_t getpid(void);
int sched_yield(void);
int pipe(int fds[2]);
int dup2(int oldfd, int newfd);
int clock_gettime(int clk, struct timespec* ts);
__attribute__((noreturn)) void exit(int code);
__attribute__((noreturn)) void _exit(int code);
void roi_begin(void);
void roi_end(void);
extern int errno;

#define WIFEXITED(s) (((s)&0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WTERMSIG(s) ((s)&0x7f)

/* ---- strings ---- */
void* memset(void* d, int c, size_t n);
void* memcpy(void* d, const void* s, size_t n);
void* memmove(void* d, const void* s, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strcpy(char* d, const char* s);
char* strchr(const char* s, int c);

/* ---- stdio (stdout buffered, flushed at newline and exit) ---- */
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char* buf, size_t n, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buf, size_t n, const char* fmt, va_list ap);
int puts(const char* s);
int putchar(int c);
void fflush_stdout(void);

/* ---- stdlib ---- */
void* malloc(size_t n);
void* calloc(size_t n, size_t m);
void* realloc(void* p, size_t n);
void free(void* p);
int atoi(const char* s);
unsigned long strtoul(const char* s, char** end, int base);
unsigned long long strtoull(const char* s, char** end, int base);

/* ---- options: "--name VALUE", "--name=VALUE", "--flag", "--help" ---- */
enum opt_type { OPT_U64, OPT_FLAG };
struct opt {
  const char* name; /* without the dashes */
  enum opt_type type;
  uint64_t* value;  /* default on entry */
  uint64_t min, max;
  const char* help;
};
/* Parse argv; on --help or a bad argument print the usage on stdout and
 * exit(1). */
void parse_options(int argc, char** argv, const char* prog, const char* what, const struct opt* opts, int nopts);

/* ---- checksums and random numbers (also reimplemented in tests/workloads) ---- */
static inline uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
/* Fold v into the running checksum h. */
static inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}
/* sqrtsd, without libm or errno handling. */
static inline double vm_sqrt(double x) {
  __asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
  return x;
}
/* The final line every workload prints. */
void print_checksum(uint64_t h);
uint64_t now_ns(void);

#endif
