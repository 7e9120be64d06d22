/* Guest-side access to vmsim's devices (DESIGN §3), for freestanding guest
 * code running at CPL 0: console on COM1, exit through isa-debug-exit, and
 * the region-of-interest markers on the simulator-control port. */
#ifndef VMSIM_GUEST_H
#define VMSIM_GUEST_H
#include <stdint.h>

static inline void vg_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void vg_outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t vg_inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void vg_putc(char c) {
  while (!(vg_inb(0x3FD) & 0x20)) {
  }
  vg_outb(0x3F8, (uint8_t)c);
}
static inline void vg_puts(const char* s) {
  while (*s) vg_putc(*s++);
}
static inline void vg_put_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  vg_puts(buf + i);
}
static inline void vg_put_hex(uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) vg_putc(hex[(v >> (4 * i)) & 15]);
}
static inline void vg_roi_begin(void) { vg_outl(0x0D10, 1); }
static inline void vg_roi_end(void) { vg_outl(0x0D10, 2); }
static inline __attribute__((noreturn)) void vg_exit(uint32_t code) {
  vg_outl(0xF4, code);
  for (;;) {
  }
}

#endif
