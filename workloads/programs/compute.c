/* compute: CPU-bound, tiny working set: an LCG, 64-bit divisions and
 * double-precision arithmetic. The control workload: every MMU mode should
 * cost the same here. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t iters = 1000000, seed = 1;
  const struct opt opts[] = {
      {"iters", OPT_U64, &iters, 1, 1000000000000ull, "loop iterations"},
      {"seed", OPT_U64, &seed, 0, ~0ull, "LCG seed"},
  };
  parse_options(argc, argv, "compute", "CPU-bound integer and floating-point loop (the control).", opts, 2);
  printf("compute: iters=%llu seed=%llu\n", (unsigned long long)iters, (unsigned long long)seed);

  roi_begin();
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
  roi_end();

  uint64_t bits;
  memcpy(&bits, &acc, 8);
  printf("compute: acc=%.6f\n", acc);
  print_checksum(mix64(h, bits));
  return 0;
}
