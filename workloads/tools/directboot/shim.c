/* directboot shim, C part: load kernel.elf (module 0) by its PT_LOAD
 * physical addresses and enter it exactly as vmsim's direct ELF64 protocol
 * does (DESIGN §3, vmm/machine.cpp): loader data below 1 MiB at the same
 * addresses, a 4 GiB identity map of 2 MiB pages, a flat GDT, RDI = the
 * boot-info block with the initrd (module 1). */
#include <stdint.h>

#include "../../../vmm/boot_info.h"

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static void puts_(const char* s) {
  while (*s) outb(0x3f8, (uint8_t)*s++);
}
static __attribute__((noreturn)) void fail(const char* s) {
  puts_("directboot shim: ");
  puts_(s);
  puts_("\n");
  __asm__ volatile("outl %0, %1" : : "a"(0xffu), "Nd"((uint16_t)0xf4));
  for (;;) __asm__ volatile("hlt");
}
static void copy(uint64_t dst, const void* src, uint64_t n) {
  uint8_t* d = (uint8_t*)dst;
  const uint8_t* s = (const uint8_t*)src;
  for (uint64_t i = 0; i < n; ++i) d[i] = s ? s[i] : 0;
}
static uint64_t rd(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void shim_main(uint32_t mbi_pa) {
  const uint32_t* mbi = (const uint32_t*)(uint64_t)mbi_pa;
  if (!(mbi[0] & (1u << 3)) || mbi[5] < 2) fail("want two modules: kernel.elf, initrd");
  const uint32_t* mod = (const uint32_t*)(uint64_t)mbi[6];
  const uint8_t* elf = (const uint8_t*)(uint64_t)mod[0];
  uint64_t initrd = mod[4], initrd_size = mod[5] - mod[4];

  /* RAM: the end of the highest available region (below the APIC). */
  uint64_t ram = 0;
  if (mbi[0] & (1u << 6)) {
    for (uint64_t p = mbi[12], end = p + mbi[11]; p < end;) {
      const uint8_t* e = (const uint8_t*)p;
      uint64_t base = rd(e + 4, 8), len = rd(e + 12, 8);
      if (rd(e + 20, 4) == 1 && base + len > ram && base + len <= 0xfee00000ull) ram = base + len;
      p += rd(e, 4) + 4;
    }
  }
  if (!ram) fail("no memory map");

  /* ELF64 executable: PT_LOAD at p_paddr. */
  if (rd(elf, 4) != 0x464c457f || elf[4] != 2) fail("module 0 is not ELF64");
  uint64_t entry = rd(elf + 24, 8), phoff = rd(elf + 32, 8), phnum = rd(elf + 56, 2);
  uint64_t lo = ~0ull, hi = 0;
  for (uint64_t i = 0; i < phnum; ++i) {
    const uint8_t* ph = elf + phoff + i * 56;
    if (rd(ph, 4) != 1) continue;
    uint64_t off = rd(ph + 8, 8), pa = rd(ph + 24, 8), fsz = rd(ph + 32, 8), msz = rd(ph + 40, 8);
    if (pa < 0x100000 || pa + msz > 0x2000000) fail("kernel segment outside 1..32 MiB");
    copy(pa, elf + off, fsz);
    copy(pa + fsz, 0, msz - fsz);
    if (pa < lo) lo = pa;
    if (pa + msz > hi) hi = pa + msz;
  }

  /* Loader data, as vmm/machine.cpp lays it out. */
  uint64_t* pml4 = (uint64_t*)0x1000;
  copy(0x1000, 0, 0x7000);
  pml4[0] = 0x2000 | 3;
  for (uint64_t i = 0; i < 4; ++i) {
    ((uint64_t*)0x2000)[i] = (0x3000 + i * 0x1000) | 3;
    for (uint64_t j = 0; j < 512; ++j) ((uint64_t*)(0x3000 + i * 0x1000))[j] = ((i << 30) + (j << 21)) | 0x83;
  }
  uint64_t* gdt = (uint64_t*)0x7000;
  gdt[0] = 0;
  gdt[1] = 0x00AF9A000000FFFFull;
  gdt[2] = 0x00CF92000000FFFFull;
  /* The command line, without the image path QEMU puts first. */
  const char* cl = (mbi[0] & (1u << 2)) ? (const char*)(uint64_t)mbi[4] : "";
  while (*cl && *cl != ' ') ++cl;
  while (*cl == ' ') ++cl;
  uint64_t n = 0;
  while (cl[n] && n < 4095) ++n;
  copy(0x9000, cl, n);
  *(char*)(0x9000 + n) = 0;
  struct vmsim_mmap_entry* map = (struct vmsim_mmap_entry*)0x8100;
  map[0] = (struct vmsim_mmap_entry){0, 0x100000, VMSIM_MEM_RESERVED, 0};
  map[1] = (struct vmsim_mmap_entry){0x100000, ram - 0x100000, VMSIM_MEM_AVAILABLE, 0};
  struct vmsim_boot_info* bi = (struct vmsim_boot_info*)0x8000;
  *bi = (struct vmsim_boot_info){.magic = VMSIM_BOOT_MAGIC,
                                 .version = VMSIM_BOOT_VERSION,
                                 .vcpus = 1,
                                 .cmdline = 0x9000,
                                 .initrd_base = initrd,
                                 .initrd_size = initrd_size,
                                 .image_start = lo,
                                 .image_end = hi,
                                 .mmap = 0x8100,
                                 .mmap_count = 2};

  /* The architectural state at entry: CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|PGE,
   * EFER = LME|LMA|NXE|SCE, CS 0x08, data 0x10, RSP 0x80000, RDI boot info. */
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } gdtr = {23, 0x7000};
  __asm__ volatile(
      "lgdt %0\n\t"
      "mov $0x80010033, %%eax\n\t"
      "mov %%rax, %%cr0\n\t"
      "mov $0xa0, %%eax\n\t"
      "mov %%rax, %%cr4\n\t"
      "mov $0x1000, %%eax\n\t"
      "mov %%rax, %%cr3\n\t"
      "pushq $0x08\n\t"
      "lea 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "mov $0x10, %%eax\n\t"
      "mov %%eax, %%ds\n\t"
      "mov %%eax, %%es\n\t"
      "mov %%eax, %%ss\n\t"
      "mov %%eax, %%fs\n\t"
      "mov %%eax, %%gs\n\t"
      "mov $0x80000, %%esp\n\t"
      "mov $0x8000, %%edi\n\t"
      "jmp *%1"
      :
      : "m"(gdtr), "r"(entry)
      : "rax", "memory");
  __builtin_unreachable();
}
