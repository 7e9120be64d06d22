/* forkexec: a loop of fork, exec of a small program (/child), its exit,
 * and wait. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t iters = 200;
  const struct opt opts[] = {
      {"iters", OPT_U64, &iters, 1, 100000000, "fork/exec/exit/wait cycles"},
  };
  parse_options(argc, argv, "forkexec", "A loop of fork, exec of a small program, exit, wait.", opts, 1);
  printf("forkexec: iters=%llu\n", (unsigned long long)iters);

  roi_begin();
  uint64_t h = 0;
  for (uint64_t i = 0; i < iters; ++i) {
    pid_t pid = fork();
    if (pid < 0) {
      printf("forkexec: fork failed\n");
      return 2;
    }
    if (pid == 0) {
      char arg[24];
      snprintf(arg, sizeof arg, "%llu", (unsigned long long)i);
      char* cargv[] = {"child", arg, 0};
      char* cenvp[] = {0};
      execve("/child", cargv, cenvp);
      _exit(127);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
      printf("forkexec: child %d failed (status %#x)\n", pid, st);
      return 2;
    }
    h = mix64(h, (uint64_t)WEXITSTATUS(st));
  }
  roi_end();

  print_checksum(h);
  return 0;
}
