/* printf and friends: %d %i %u %x %X %c %s %p %%, the l/ll/z length
 * modifiers, width, '0' and '-' flags, and %.Nf for doubles. */
#include "libc.h"

static char outbuf[1024];
static size_t outlen;

void fflush_stdout(void) {
  size_t off = 0;
  while (off < outlen) {
    ssize_t n = write(1, outbuf + off, outlen - off);
    if (n <= 0) break;
    off += (size_t)n;
  }
  outlen = 0;
}

struct sink {
  char* buf;
  size_t cap, len;
};

static void emit(struct sink* s, char c) {
  if (s->len + 1 < s->cap) s->buf[s->len] = c;
  ++s->len;
}

static void emit_num(struct sink* s, unsigned long long v, unsigned base, int upper, int width, char pad, int left,
                     int neg) {
  char tmp[24];
  int n = 0;
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  int len = n + neg;
  if (neg && pad == '0') emit(s, '-');
  if (!left)
    for (int i = len; i < width; ++i) emit(s, pad);
  if (neg && pad != '0') emit(s, '-');
  while (n) emit(s, tmp[--n]);
  if (left)
    for (int i = len; i < width; ++i) emit(s, ' ');
}

int vsnprintf(char* buf, size_t cap, const char* fmt, va_list ap) {
  struct sink s = {buf, cap, 0};
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      emit(&s, *fmt);
      continue;
    }
    ++fmt;
    char pad = ' ';
    int left = 0, width = 0, prec = -1, lng = 0;
    for (;; ++fmt) {
      if (*fmt == '0') pad = '0';
      else if (*fmt == '-') left = 1;
      else break;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
      prec = 0;
      ++fmt;
      while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'l' || *fmt == 'z') ++lng, ++fmt;
    switch (*fmt) {
      case 'd':
      case 'i': {
        long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
        emit_num(&s, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10, 0, width, pad, left, v < 0);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
        emit_num(&s, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, pad, left, 0);
        break;
      }
      case 'p':
        emit(&s, '0');
        emit(&s, 'x');
        emit_num(&s, (unsigned long long)va_arg(ap, void*), 16, 0, 0, ' ', 0, 0);
        break;
      case 'c': emit(&s, (char)va_arg(ap, int)); break;
      case 's': {
        const char* str = va_arg(ap, const char*);
        if (!str) str = "(null)";
        int n = (int)strlen(str);
        if (!left)
          for (int i = n; i < width; ++i) emit(&s, ' ');
        for (int i = 0; i < n; ++i) emit(&s, str[i]);
        if (left)
          for (int i = n; i < width; ++i) emit(&s, ' ');
        break;
      }
      case 'f': {
        /* Sign and range by the bit pattern, so that no compiler turns
         * them into SSE compares or selects outside vmsim's subset; the
         * arithmetic is cvttsd2si, cvtsi2sd, subsd, mulsd, addsd. */
        double d = va_arg(ap, double);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        int neg = (int)(bits >> 63);
        bits &= ~(1ull << 63);
        if (bits >= 0x43e0000000000000ull) bits = 0x43dfffffffffffffull; /* below 2^63 (and NaN, inf) */
        memcpy(&d, &bits, 8);
        if (prec < 0) prec = 6;
        if (prec > 18) prec = 18;
        long long scale = 1;
        for (int i = 0; i < prec; ++i) scale *= 10;
        long long ip = (long long)d;
        long long fp = (long long)((d - (double)ip) * (double)scale + 0.5);
        if (fp >= scale) {
          ++ip;
          fp -= scale;
        }
        char tmp[64];
        int n = 0;
        if (prec > 0) {
          for (int i = 0; i < prec; ++i) {
            tmp[n++] = (char)('0' + fp % 10);
            fp /= 10;
          }
          tmp[n++] = '.';
        }
        unsigned long long u = (unsigned long long)ip;
        do {
          tmp[n++] = (char)('0' + u % 10);
          u /= 10;
        } while (u);
        if (neg) tmp[n++] = '-';
        for (int i = n; i < width && !left; ++i) emit(&s, ' ');
        while (n) emit(&s, tmp[--n]);
        break;
      }
      case '%': emit(&s, '%'); break;
      default: emit(&s, '?'); break;
    }
  }
  if (cap) buf[s.len < cap ? s.len : cap - 1] = 0;
  return (int)s.len;
}

int snprintf(char* buf, size_t n, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

static void out(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (outlen == sizeof outbuf) fflush_stdout();
    outbuf[outlen++] = s[i];
    if (s[i] == '\n') fflush_stdout();
  }
}

int printf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out(buf, r < (int)sizeof buf ? (size_t)r : sizeof buf - 1);
  return r;
}

int dprintf(int fd, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (fd == 1) out(buf, (size_t)r < sizeof buf ? (size_t)r : sizeof buf - 1);
  else write(fd, buf, (size_t)r < sizeof buf ? (size_t)r : sizeof buf - 1);
  return r;
}

int putchar(int c) {
  char ch = (char)c;
  out(&ch, 1);
  return c;
}

int puts(const char* s) {
  out(s, strlen(s));
  out("\n", 1);
  return 0;
}

void print_checksum(uint64_t h) { printf("checksum: 0x%016llx\n", (unsigned long long)h); }
