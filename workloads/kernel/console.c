/* The console on COM1 (a 16550 subset: THR write, LSR bit 5 = THR empty)
 * and the kernel's printf. */
#include <stdarg.h>

#include "kernel.h"

#define COM1 0x3f8

void console_putc(char c) {
  while (!(inb(COM1 + 5) & 0x20)) {
  }
  outb(COM1, (uint8_t)c);
}

void console_write(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) console_putc(s[i]);
}

static void put_num(uint64_t v, unsigned base, int width, char pad, int neg) {
  char buf[24];
  int i = 0;
  do {
    unsigned d = (unsigned)(v % base);
    buf[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  if (neg) {
    if (pad == '0') console_putc('-');
    else buf[i++] = '-';
    --width;
  }
  for (int w = i; w < width; ++w) console_putc(pad);
  while (i) console_putc(buf[--i]);
}

static void vkprintf(const char* fmt, va_list ap) {
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      console_putc(*fmt);
      continue;
    }
    ++fmt;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') pad = '0', ++fmt;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') ++lng, ++fmt;
    switch (*fmt) {
      case 'd':
      case 'i': {
        int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
        put_num(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, pad, v < 0);
        break;
      }
      case 'u': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, 0); break;
      case 'x': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, 0); break;
      case 'p':
        console_write("0x", 2);
        put_num((uint64_t)va_arg(ap, void*), 16, 16, '0', 0);
        break;
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        size_t n = strlen(s);
        for (size_t w = n; (int)w < width; ++w) console_putc(' ');
        console_write(s, n);
        break;
      }
      case 'c': console_putc((char)va_arg(ap, int)); break;
      case '%': console_putc('%'); break;
      default: console_putc('?'); break;
    }
  }
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
}

__attribute__((noreturn)) void machine_exit(uint32_t code) {
  if (g_verbose) {
    const struct kstats* s = &g_stats;
    kprintf("kernel: exit code %u at TSC %lu, %lu frames free\n", code, rdtsc(), g_frames.free_count);
    kprintf("kernel: syscalls %lu, timer ticks %lu, context switches %lu, CR3 switches %lu, forks %lu, execs %lu\n",
            s->syscalls, s->timer_ticks, s->context_switches, s->cr3_switches, s->forks, s->execs);
    kprintf("kernel: user faults %lu (demand-zero %lu, 2M %lu, COW copies %lu, COW reuses %lu, spurious %lu)\n",
            s->faults, s->demand_zero, s->demand_zero_2m, s->cow_copies, s->cow_reuses, s->spurious_faults);
    kprintf("kernel: TLB flushes asked: invlpg %lu, CR3 reloads %lu; CR3 switches keeping the TLB (PCID) %lu\n",
            s->invlpg, s->cr3_reloads, s->cr3_noflush);
  }
  outl(0xf4, code);
  for (;;) __asm__ volatile("cli; hlt");
}

/* A kernel panic is a guest crash: print, then triple-fault (an empty IDT
 * and an exception), which vmsim reports as a crash (exit status 3). */
__attribute__((noreturn)) void panic(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kprintf("kernel panic: ");
  vkprintf(fmt, ap);
  kprintf("\n");
  va_end(ap);
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } idtr = {0, 0};
  __asm__ volatile("lidt %0; int3" : : "m"(idtr));
  for (;;) __asm__ volatile("cli; hlt");
}
