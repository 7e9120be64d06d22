/* compute: CPU-bound, tiny working set: an LCG, 64-bit divisions and
 * double-precision arithmetic. The control workload: every MMU mode should
 * cost the same here. With --procs N, N processes run the same loop at once
 * (time-sliced by the APIC timer, so their SSE state must survive every
 * preemption) and the children report their results through a pipe. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t iters = 1000000, seed = 1, procs = 1;
  const struct opt opts[] = {
      {"iters", OPT_U64, &iters, 1, 1000000000000ull, "loop iterations"},
      {"seed", OPT_U64, &seed, 0, ~0ull, "LCG seed"},
      {"procs", OPT_U64, &procs, 1, 16, "processes running the loop at once"},
  };
  parse_options(argc, argv, "compute", "CPU-bound integer and floating-point loop (the control).", opts, 3);
  printf("compute: iters=%llu seed=%llu procs=%llu\n", (unsigned long long)iters, (unsigned long long)seed,
         (unsigned long long)procs);
  int fd[2];
  if (procs > 1 && pipe(fd) != 0) {
    printf("compute: pipe failed\n");
    return 2;
  }

  roi_begin();
  int child = 0;
  for (uint64_t c = 1; c < procs && !child; ++c) {
    pid_t pid = fork();
    if (pid < 0) {
      printf("compute: fork failed\n");
      return 2;
    }
    child = pid == 0;
  }
  uint64_t x = seed, h = 0;
  double acc = 1.0;
  for (uint64_t i = 0; i < iters; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t a = x >> 33;
    uint64_t q = a % 1000003u + 1;
    uint64_t d = (x ^ (x >> 17)) / q;
    acc = acc * 1.0000001 + (double)(int64_t)(a & 0xffff) / 65536.0;
    if (acc > 1.0e6) acc = vm_sqrt(acc);
    h = mix64(h, d + (uint64_t)(int64_t)acc);
  }
  uint64_t bits;
  memcpy(&bits, &acc, 8);
  uint64_t result = mix64(h, bits);
  if (child) {
    write(fd[1], &result, 8);
    _exit(0);
  }
  uint64_t sum = result;
  for (uint64_t c = 1; c < procs; ++c) {
    uint64_t r = 0;
    int st = 0;
    if (read(fd[0], &r, 8) != 8 || wait4(-1, &st, 0, 0) < 0) {
      printf("compute: a child failed\n");
      return 2;
    }
    sum = mix64(sum, r);
  }
  roi_end();

  printf("compute: acc=%.6f\n", acc);
  print_checksum(sum);
  return 0;
}
