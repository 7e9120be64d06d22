/* ptrchase: the TLB-miss benchmark. Objects of one cache line are linked
 * into a single random cycle (Sattolo's algorithm, splitmix64) across an
 * N MiB heap; the walk follows it for K steps and reports the average time
 * per access (TSC: 1 tick = 1 ns; instructions on vmsim). --huge asks for
 * 2 MiB pages (MAP_HUGETLB). */
#include "libc.h"

struct obj {
  struct obj* next;
  uint64_t id;
  uint64_t pad[6];
};

int main(int argc, char** argv) {
  uint64_t mib = 32, steps = 2000000, seed = 1, huge = 0;
  const struct opt opts[] = {
      {"mib", OPT_U64, &mib, 1, 1u << 20, "heap size in MiB"},
      {"steps", OPT_U64, &steps, 1, 1ull << 40, "pointer-chasing steps"},
      {"seed", OPT_U64, &seed, 0, ~0ull, "permutation seed"},
      {"huge", OPT_FLAG, &huge, 0, 1, "back the heap with 2 MiB pages"},
  };
  parse_options(argc, argv, "ptrchase", "Pointer chasing through a random cyclic permutation.", opts, 4);
  uint64_t bytes = mib << 20, n = bytes / sizeof(struct obj);
  printf("ptrchase: mib=%llu steps=%llu seed=%llu huge=%llu objects=%llu\n", (unsigned long long)mib,
         (unsigned long long)steps, (unsigned long long)seed, (unsigned long long)huge, (unsigned long long)n);
  struct obj* heap = mmap(0, bytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0), -1, 0);
  uint32_t* next = mmap(0, n * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED || next == MAP_FAILED) {
    printf("ptrchase: mmap failed\n");
    return 2;
  }

  /* Sattolo: a uniformly random cyclic permutation; next[i] follows i.
   * Building it (and first-touching the heap) is set-up: the region of
   * interest is the chase alone, which is TLB-miss bound (the pagefault
   * workload measures demand paging). */
  uint64_t st = seed;
  for (uint64_t i = 0; i < n; ++i) next[i] = (uint32_t)i;
  for (uint64_t i = n - 1; i > 0; --i) {
    uint64_t j = splitmix64(&st) % i;
    uint32_t t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  for (uint64_t i = 0; i < n; ++i) {
    heap[i].next = &heap[next[i]];
    heap[i].id = i;
  }
  roi_begin();
  uint64_t t0 = now_ns();
  struct obj* p = &heap[0];
  uint64_t acc = 0;
  for (uint64_t s = 0; s < steps; ++s) {
    acc = acc * 31 + p->id;
    p = p->next;
  }
  uint64_t t1 = now_ns();
  roi_end();

  uint64_t per100 = (t1 - t0) * 100 / steps;
  printf("ptrchase: %llu.%02llu ns per access\n", (unsigned long long)(per100 / 100), (unsigned long long)(per100 % 100));
  print_checksum(mix64(mix64(0, acc), (uint64_t)(p - heap)));
  return 0;
}
