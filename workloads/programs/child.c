/* child: the small program forkexec runs. Exits with 8 bits of an LCG run
 * seeded by its argument. */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], 0, 10) : 0;
  uint64_t x = n * 2654435761ull + 1;
  for (int k = 0; k < 100; ++k) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return (int)((x >> 56) & 0xff);
}
