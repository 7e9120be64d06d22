/* mixjob ID KIB: one job of the mix workload. Allocates KIB KiB (malloc:
 * mmap for the big block, brk for the small ones), fills it from a PRNG
 * seeded by ID, builds a histogram and a running sum, and writes the
 * record {ID, result} to fd 3. */
#include "libc.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  uint64_t id = strtoull(argv[1], 0, 10), kib = strtoull(argv[2], 0, 10);
  uint64_t n = kib * 1024 / 4;
  uint32_t* data = malloc(n * 4);
  uint64_t* hist = calloc(256, 8);
  if (!data || !hist) return 3;
  uint64_t st = id;
  for (uint64_t i = 0; i < n; ++i) data[i] = (uint32_t)splitmix64(&st);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; ++i) {
    ++hist[data[i] >> 24];
    sum = sum * 3 + (data[i] ^ (uint32_t)i);
  }
  uint64_t h = mix64(0, sum);
  for (int b = 0; b < 256; ++b) h = mix64(h, hist[b]);
  free(hist);
  free(data);
  uint64_t rec[2] = {id, h};
  if (write(3, rec, 16) != 16) return 4;
  return 0;
}
