/* mmapchurn: mmap, touch every page, mprotect read-only, read back,
 * munmap, in a loop. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t iters = 2000, pages = 16;
  const struct opt opts[] = {
      {"iters", OPT_U64, &iters, 1, 100000000, "map/touch/protect/unmap cycles"},
      {"pages", OPT_U64, &pages, 1, 1u << 20, "pages per mapping"},
  };
  parse_options(argc, argv, "mmapchurn", "mmap, touch, mprotect, munmap, in a loop.", opts, 2);
  printf("mmapchurn: iters=%llu pages=%llu\n", (unsigned long long)iters, (unsigned long long)pages);
  uint64_t len = pages * 4096;

  roi_begin();
  uint64_t h = 0;
  for (uint64_t it = 0; it < iters; ++it) {
    uint64_t* m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      printf("mmapchurn: mmap failed\n");
      return 2;
    }
    uint64_t off = it % 512;
    for (uint64_t k = 0; k < pages; ++k) m[k * 512 + off] = it * k + 1;
    if (mprotect(m, len, PROT_READ) != 0) {
      printf("mmapchurn: mprotect failed\n");
      return 2;
    }
    uint64_t s = 0;
    for (uint64_t k = 0; k < pages; ++k) s = s * 7 + m[k * 512 + off] + m[k * 512 + (off ^ 1)];
    h = mix64(h, s);
    munmap(m, len);
  }
  roi_end();

  print_checksum(h);
  return 0;
}
