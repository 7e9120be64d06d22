/* mix: like a parallel build, runs many short processes (/mixjob, a fork
 * and an exec each) with up to P of them at a time; each allocates, touches
 * and computes, and reports a result through a shared pipe. Results are
 * combined in job order, so the checksum does not depend on scheduling. */
#include "libc.h"

#define MAX_JOBS 4096

static uint64_t results[MAX_JOBS];

static int reap(int rfd) {
  int st = 0;
  pid_t pid = wait4(-1, &st, 0, 0);
  if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    printf("mix: a job failed (pid %d, status %#x)\n", pid, st);
    return -1;
  }
  uint64_t rec[2];
  if (read(rfd, rec, 16) != 16 || rec[0] >= MAX_JOBS) {
    printf("mix: bad record from a job\n");
    return -1;
  }
  results[rec[0]] = rec[1];
  return 0;
}

int main(int argc, char** argv) {
  uint64_t jobs = 32, parallel = 4, kib = 256;
  const struct opt opts[] = {
      {"jobs", OPT_U64, &jobs, 1, MAX_JOBS, "number of jobs"},
      {"parallel", OPT_U64, &parallel, 1, 32, "jobs running at once"},
      {"kib", OPT_U64, &kib, 1, 1u << 20, "memory each job allocates, in KiB"},
  };
  parse_options(argc, argv, "mix", "Many short processes that allocate, touch and compute, like a build.", opts, 3);
  printf("mix: jobs=%llu parallel=%llu kib=%llu\n", (unsigned long long)jobs, (unsigned long long)parallel,
         (unsigned long long)kib);
  int fd[2];
  if (pipe(fd) != 0) {
    printf("mix: pipe failed\n");
    return 2;
  }

  roi_begin();
  uint64_t running = 0;
  for (uint64_t j = 0; j < jobs; ++j) {
    if (running == parallel) {
      if (reap(fd[0])) return 2;
      --running;
    }
    pid_t pid = fork();
    if (pid < 0) {
      printf("mix: fork failed\n");
      return 2;
    }
    if (pid == 0) {
      char id[24], size[24];
      snprintf(id, sizeof id, "%llu", (unsigned long long)j);
      snprintf(size, sizeof size, "%llu", (unsigned long long)kib);
      dup2(fd[1], 3);
      char* cargv[] = {"mixjob", id, size, 0};
      char* cenvp[] = {0};
      execve("/mixjob", cargv, cenvp);
      _exit(127);
    }
    ++running;
  }
  while (running--)
    if (reap(fd[0])) return 2;
  roi_end();

  uint64_t h = 0;
  for (uint64_t j = 0; j < jobs; ++j) h = mix64(h, results[j]);
  print_checksum(h);
  return 0;
}
