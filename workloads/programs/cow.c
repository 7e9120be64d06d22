/* cow: the parent fills a buffer, then each round forks a child that
 * writes one word in every inherited page (a copy-on-write fault per page)
 * and reports a sum over its view through a pipe; the parent checks that
 * its own view is unchanged. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t mib = 16, rounds = 4;
  const struct opt opts[] = {
      {"mib", OPT_U64, &mib, 1, 1u << 20, "shared buffer size in MiB"},
      {"rounds", OPT_U64, &rounds, 1, 1000000, "fork-and-write rounds"},
  };
  parse_options(argc, argv, "cow", "Fork, then the child writes to many inherited pages.", opts, 2);
  printf("cow: mib=%llu rounds=%llu\n", (unsigned long long)mib, (unsigned long long)rounds);
  uint64_t words = (mib << 20) / 8, pages = words / 512;
  uint64_t* buf = mmap(0, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) {
    printf("cow: mmap failed\n");
    return 2;
  }
  for (uint64_t i = 0; i < words; ++i) buf[i] = i * 0x9e3779b97f4a7c15ull;

  roi_begin();
  uint64_t h = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    int fd[2];
    if (pipe(fd) != 0) {
      printf("cow: pipe failed\n");
      return 2;
    }
    uint64_t off = r % 512;
    pid_t pid = fork();
    if (pid < 0) {
      printf("cow: fork failed\n");
      return 2;
    }
    if (pid == 0) {
      uint64_t s = 0;
      for (uint64_t k = 0; k < pages; ++k) buf[k * 512 + off] += r + k;
      for (uint64_t k = 0; k < pages; ++k) s = s * 5 + buf[k * 512 + off];
      write(fd[1], &s, 8);
      _exit(0);
    }
    close(fd[1]);
    uint64_t cs = 0;
    if (read(fd[0], &cs, 8) != 8) {
      printf("cow: short read from the child\n");
      return 2;
    }
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    uint64_t ps = 0;
    for (uint64_t k = 0; k < pages; ++k) ps = ps * 5 + buf[k * 512 + off];
    h = mix64(mix64(h, cs), ps);
  }
  roi_end();

  print_checksum(h);
  return 0;
}
