/* The demo guest: a small freestanding ring-0 program that exercises the
 * interpreter (integer arithmetic, division, byte and string operations,
 * port I/O) and prints checksums that depend on all of it. */
#include <stdint.h>

#include "../../vmm/boot_info.h"
#include "vmsim_guest.h"

#define MAX_N 4000000u

static uint8_t sieve[MAX_N + 1];
static uint32_t crc_table[256];

void* memset(void* d, int c, unsigned long n) {
  void* ret = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return ret;
}

void* memcpy(void* d, const void* s, unsigned long n) {
  void* ret = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return ret;
}

static uint64_t parse_u64(const char* s, uint64_t dflt) {
  while (*s == ' ') ++s;
  if (*s < '0' || *s > '9') return dflt;
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
  return v;
}

static uint32_t crc32(const uint8_t* p, uint64_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint64_t i = 0; i < n; ++i) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

__attribute__((noreturn)) void demo_exit(uint32_t code) { vg_exit(code); }

int demo_main(const struct vmsim_boot_info* bi) {
  if (bi->magic != VMSIM_BOOT_MAGIC) {
    vg_puts("demo: bad boot info\n");
    return 2;
  }
  uint64_t n = parse_u64((const char*)bi->cmdline, 100000);
  if (n < 2 || n > MAX_N) {
    vg_puts("usage: demo [N]   (2 <= N <= 4000000, default 100000)\n");
    return 1;
  }
  vg_puts("vmsim demo guest: sieve of Eratosthenes below ");
  vg_put_u64(n);
  vg_puts("\n");

  vg_roi_begin();
  memset(sieve, 1, n + 1);
  sieve[0] = sieve[1] = 0;
  for (uint64_t i = 2; i * i <= n; ++i)
    if (sieve[i])
      for (uint64_t j = i * i; j <= n; j += i) sieve[j] = 0;
  uint64_t primes = 0, sum = 0;
  for (uint64_t i = 0; i <= n; ++i)
    if (sieve[i]) {
      ++primes;
      sum += i;
    }
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  uint32_t crc = crc32(sieve, n + 1);
  /* Division and mixed-width arithmetic. */
  uint64_t mix = 0x9E3779B97F4A7C15ull;
  for (uint64_t i = 1; i <= n / 16; ++i) {
    mix ^= (mix << 13) + i;
    mix += (mix >> 7) / (i | 1);
    mix = mix * 0x100000001B3ull + (uint32_t)(mix % 1000003u);
  }
  /* Copy the sieve twice over itself, overlapping, and checksum the result. */
  memcpy(sieve + n / 2, sieve, n / 2);
  uint32_t crc2 = crc32(sieve, n + 1);
  vg_roi_end();

  vg_puts("primes: ");
  vg_put_u64(primes);
  vg_puts("\nsum of primes: ");
  vg_put_u64(sum);
  vg_puts("\ncrc32: 0x");
  vg_put_hex(crc, 8);
  vg_puts("\ncrc32 after copy: 0x");
  vg_put_hex(crc2, 8);
  vg_puts("\nmix: 0x");
  vg_put_hex(mix, 16);
  vg_puts("\n");
  return 0;
}
