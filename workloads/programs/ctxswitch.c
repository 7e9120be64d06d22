/* ctxswitch: N processes in a ring of pipes pass a token around; every hop
 * is a blocking read, a write and a context switch to another address
 * space. */
#include "libc.h"

#define MAX_PROCS 16

static uint64_t hop(uint64_t token, uint64_t id) { return token * 6364136223846793005ull + id + 1; }

int main(int argc, char** argv) {
  uint64_t procs = 4, rounds = 4000;
  const struct opt opts[] = {
      {"procs", OPT_U64, &procs, 2, MAX_PROCS, "processes in the ring"},
      {"rounds", OPT_U64, &rounds, 1, 100000000, "trips of the token around the ring"},
  };
  parse_options(argc, argv, "ctxswitch", "N processes ping-pong a token over pipes.", opts, 2);
  printf("ctxswitch: procs=%llu rounds=%llu\n", (unsigned long long)procs, (unsigned long long)rounds);
  int fds[MAX_PROCS][2]; /* pipe i carries the token from process i to i+1 */
  for (uint64_t i = 0; i < procs; ++i)
    if (pipe(fds[i]) != 0) {
      printf("ctxswitch: pipe failed\n");
      return 2;
    }

  roi_begin();
  pid_t pids[MAX_PROCS];
  for (uint64_t id = 1; id < procs; ++id) {
    pid_t pid = fork();
    if (pid < 0) {
      printf("ctxswitch: fork failed\n");
      return 2;
    }
    if (pid == 0) {
      int in = fds[id - 1][0], out = fds[id][1];
      for (uint64_t r = 0; r < rounds; ++r) {
        uint64_t t;
        if (read(in, &t, 8) != 8) _exit(3);
        t = hop(t, id);
        write(out, &t, 8);
      }
      _exit(0);
    }
    pids[id] = pid;
  }
  uint64_t h = 0, token = 0x1234567;
  for (uint64_t r = 0; r < rounds; ++r) {
    token = hop(token, 0);
    write(fds[0][1], &token, 8);
    if (read(fds[procs - 1][0], &token, 8) != 8) {
      printf("ctxswitch: short read\n");
      return 2;
    }
    h = mix64(h, token);
  }
  for (uint64_t id = 1; id < procs; ++id) {
    int st = 0;
    waitpid(pids[id], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      printf("ctxswitch: process %llu failed\n", (unsigned long long)id);
      return 2;
    }
  }
  roi_end();

  print_checksum(h);
  return 0;
}
