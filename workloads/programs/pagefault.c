/* pagefault: maps fresh anonymous memory and touches it page by page (one
 * demand-zero fault per page), then unmaps it; several rounds. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t mib = 32, rounds = 4;
  const struct opt opts[] = {
      {"mib", OPT_U64, &mib, 1, 1u << 20, "memory touched per round, in MiB"},
      {"rounds", OPT_U64, &rounds, 1, 1000000, "map/touch/unmap rounds"},
  };
  parse_options(argc, argv, "pagefault", "Touches fresh anonymous memory, page by page.", opts, 2);
  printf("pagefault: mib=%llu rounds=%llu\n", (unsigned long long)mib, (unsigned long long)rounds);
  uint64_t pages = (mib << 20) / 4096;

  roi_begin();
  uint64_t h = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    uint64_t* m = mmap(0, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      printf("pagefault: mmap failed\n");
      return 2;
    }
    for (uint64_t k = 0; k < pages; ++k) m[k * 512 + (k % 512)] = k * (r + 1) + 7;
    uint64_t s = 0;
    for (uint64_t k = 0; k < pages; ++k) s = s * 3 + m[k * 512 + (k % 512)] + m[k * 512 + ((k + 1) % 512)];
    h = mix64(h, s);
    munmap(m, mib << 20);
  }
  roi_end();

  print_checksum(h);
  return 0;
}
