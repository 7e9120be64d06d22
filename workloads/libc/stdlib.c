/* malloc (size classes on brk, large blocks on mmap), number parsing and
 * the option parser. */
#include "libc.h"

/* Blocks up to 64 KiB come from power-of-two size classes carved out of
 * brk and recycled on per-class free lists; larger ones are mmap'd. Every
 * block has a 16-byte header holding its class (or its mapping size). */
#define MIN_SHIFT 4
#define MAX_SHIFT 16
#define HDR 16
#define CHUNK (256 * 1024)

struct hdr {
  uint64_t size; /* class size, or total mapping size when mapped */
  uint64_t mapped;
};
static void* free_list[MAX_SHIFT + 1];
static char *arena, *arena_end;

void* malloc(size_t n) {
  if (n == 0) n = 1;
  if (n > (1u << MAX_SHIFT) - HDR) {
    size_t total = (n + HDR + 4095) & ~(size_t)4095;
    void* p = mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    struct hdr* h = p;
    h->size = total;
    h->mapped = 1;
    return (char*)p + HDR;
  }
  int c = MIN_SHIFT;
  while (((size_t)1 << c) < n + HDR) ++c;
  struct hdr* h;
  if (free_list[c]) {
    h = free_list[c];
    free_list[c] = *(void**)((char*)h + HDR);
  } else {
    size_t sz = (size_t)1 << c;
    if (arena + sz > arena_end) {
      size_t grow = sz > CHUNK ? sz : CHUNK;
      char* p = sbrk((intptr_t)grow);
      if (p == (char*)-1) return 0;
      if (p != arena_end) arena = p; /* not contiguous: start afresh */
      arena_end = p + grow;
    }
    h = (struct hdr*)arena;
    arena += sz;
  }
  h->size = (uint64_t)c;
  h->mapped = 0;
  return (char*)h + HDR;
}

void free(void* p) {
  if (!p) return;
  struct hdr* h = (struct hdr*)((char*)p - HDR);
  if (h->mapped) {
    munmap(h, h->size);
    return;
  }
  int c = (int)h->size;
  *(void**)p = free_list[c];
  free_list[c] = h;
}

void* calloc(size_t n, size_t m) {
  size_t total = n * m;
  if (m && total / m != n) return 0;
  void* p = malloc(total);
  if (p) memset(p, 0, total);
  return p;
}

void* realloc(void* p, size_t n) {
  if (!p) return malloc(n);
  struct hdr* h = (struct hdr*)((char*)p - HDR);
  size_t old = h->mapped ? h->size - HDR : ((size_t)1 << h->size) - HDR;
  if (n <= old) return p;
  void* q = malloc(n);
  if (!q) return 0;
  memcpy(q, p, old);
  free(p);
  return q;
}

unsigned long long strtoull(const char* s, char** end, int base) {
  while (*s == ' ') ++s;
  if (base == 0) {
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      s += 2;
    } else {
      base = 10;
    }
  } else if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
  }
  unsigned long long v = 0;
  for (;; ++s) {
    int d;
    if (*s >= '0' && *s <= '9') d = *s - '0';
    else if (*s >= 'a' && *s <= 'z') d = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'Z') d = *s - 'A' + 10;
    else break;
    if (d >= base) break;
    v = v * (unsigned)base + (unsigned)d;
  }
  if (end) *end = (char*)s;
  return v;
}

unsigned long strtoul(const char* s, char** end, int base) { return strtoull(s, end, base); }

int atoi(const char* s) {
  int neg = 0;
  while (*s == ' ') ++s;
  if (*s == '-') neg = 1, ++s;
  int v = (int)strtoull(s, 0, 10);
  return neg ? -v : v;
}

static __attribute__((noreturn)) void usage(const char* prog, const char* what, const struct opt* opts, int n) {
  printf("usage: %s", prog);
  for (int i = 0; i < n; ++i) printf(opts[i].type == OPT_FLAG ? " [--%s]" : " [--%s N]", opts[i].name);
  printf("\n%s\n", what);
  for (int i = 0; i < n; ++i) {
    char left[40];
    snprintf(left, sizeof left, opts[i].type == OPT_FLAG ? "--%s" : "--%s N", opts[i].name);
    if (opts[i].type == OPT_FLAG) printf("  %-16s %s\n", left, opts[i].help);
    else
      printf("  %-16s %s (default %llu, %llu..%llu)\n", left, opts[i].help, (unsigned long long)*opts[i].value,
             (unsigned long long)opts[i].min, (unsigned long long)opts[i].max);
  }
  exit(1);
}

void parse_options(int argc, char** argv, const char* prog, const char* what, const struct opt* opts, int n) {
  for (int a = 1; a < argc; ++a) {
    const char* arg = argv[a];
    if (arg[0] != '-' || arg[1] != '-') {
      printf("%s: unexpected argument '%s'\n", prog, arg);
      usage(prog, what, opts, n);
    }
    arg += 2;
    const char* eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct opt* o = 0;
    for (int i = 0; i < n; ++i)
      if (strlen(opts[i].name) == len && !strncmp(opts[i].name, arg, len)) o = &opts[i];
    if (!o) {
      if (strcmp(arg, "help") != 0) printf("%s: unknown option '%s'\n", prog, argv[a]);
      usage(prog, what, opts, n);
    }
    if (o->type == OPT_FLAG) {
      if (eq) {
        printf("%s: --%s takes no value\n", prog, o->name);
        usage(prog, what, opts, n);
      }
      *o->value = 1;
      continue;
    }
    const char* val = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : 0);
    char* end;
    if (!val || !*val || *val == '-') {
      printf("%s: --%s needs a number\n", prog, o->name);
      usage(prog, what, opts, n);
    }
    unsigned long long v = strtoull(val, &end, 0);
    if (*end || v < o->min || v > o->max) {
      printf("%s: bad value '%s' for --%s\n", prog, val, o->name);
      usage(prog, what, opts, n);
    }
    *o->value = v;
  }
}
