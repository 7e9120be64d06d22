/* seqscan: sequential read-modify-write passes over a large anonymous
 * buffer (demand-zero on the first pass). */
#include "libc.h"

int main(int argc, char** argv) {
  uint64_t mib = 16, passes = 3;
  const struct opt opts[] = {
      {"mib", OPT_U64, &mib, 1, 1u << 20, "buffer size in MiB"},
      {"passes", OPT_U64, &passes, 1, 1000000, "passes over the buffer"},
  };
  parse_options(argc, argv, "seqscan", "Sequential reads and writes over a large buffer.", opts, 2);
  printf("seqscan: mib=%llu passes=%llu\n", (unsigned long long)mib, (unsigned long long)passes);
  uint64_t n = (mib << 20) / 8;
  uint64_t* buf = mmap(0, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) {
    printf("seqscan: mmap failed\n");
    return 2;
  }

  roi_begin();
  uint64_t h = 0;
  for (uint64_t p = 0; p < passes; ++p) {
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t v = buf[i];
      s += v;
      buf[i] = v * 0x100000001b3ull + i + p;
    }
    h = mix64(h, s);
  }
  roi_end();

  munmap(buf, mib << 20);
  print_checksum(h);
  return 0;
}
