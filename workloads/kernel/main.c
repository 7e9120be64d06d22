/* kmain: boot information (Multiboot v1 or vmsim's direct ELF64 protocol),
 * the physical frame allocator, the kernel page tables, the command line. */
#include "../../vmm/boot_info.h"
#include "kernel.h"

struct frame_alloc g_frames;
uint64_t g_kernel_pml4;
const uint8_t* g_initrd;
uint64_t g_initrd_size;
uint64_t g_timer_period = 100000; /* APIC timer initial count (divide by 1) */
int g_verbose;
int g_pcid;
static int g_want_pcid;

extern char _kernel_end[];

#define MAX_REGIONS 32
struct region {
  uint64_t base, end;
};
static struct region avail[MAX_REGIONS];
static int navail;
static char cmdline[4096];
static uint64_t initrd_phys;

static void add_region(uint64_t base, uint64_t len) {
  if (navail < MAX_REGIONS && len) avail[navail++] = (struct region){base, base + len};
}

static void copy_cmdline(uint64_t pa) {
  if (!pa) return;
  const char* s = (const char*)p2v(pa);
  size_t i = 0;
  for (; s[i] && i < sizeof cmdline - 1; ++i) cmdline[i] = s[i];
  cmdline[i] = 0;
}

/* Multiboot v1 information (Multiboot specification 0.6.96, section 3.3). */
static void read_multiboot(uint64_t mbi_pa, uint64_t magic) {
  if (magic != 0x2BADB002) panic("bad Multiboot magic %lx", magic);
  const uint32_t* mbi = (const uint32_t*)p2v(mbi_pa);
  uint32_t flags = mbi[0];
  if (flags & (1u << 2)) copy_cmdline(mbi[4]);
  if ((flags & (1u << 3)) && mbi[5] > 0) {
    const uint32_t* mod = (const uint32_t*)p2v(mbi[6]);
    initrd_phys = mod[0];
    g_initrd_size = mod[1] - mod[0];
  }
  if (flags & (1u << 6)) {
    uint64_t p = mbi[12], end = p + mbi[11];
    while (p < end) {
      const uint8_t* e = (const uint8_t*)p2v(p);
      uint32_t size = *(const uint32_t*)e;
      uint64_t base = *(const uint64_t*)(e + 4), len = *(const uint64_t*)(e + 12);
      uint32_t type = *(const uint32_t*)(e + 20);
      if (type == 1) add_region(base, len);
      p += size + 4;
    }
  } else if (flags & 1u) {
    add_region(0x100000, (uint64_t)mbi[2] << 10);
  } else {
    panic("Multiboot gave no memory information");
  }
}

static void read_direct(uint64_t bi_pa) {
  const struct vmsim_boot_info* bi = (const struct vmsim_boot_info*)p2v(bi_pa);
  if (bi->magic != VMSIM_BOOT_MAGIC) panic("bad boot-info magic");
  copy_cmdline(bi->cmdline);
  initrd_phys = bi->initrd_base;
  g_initrd_size = bi->initrd_base ? bi->initrd_size : 0;
  const struct vmsim_mmap_entry* m = (const struct vmsim_mmap_entry*)p2v(bi->mmap);
  for (uint32_t i = 0; i < bi->mmap_count; ++i)
    if (m[i].type == VMSIM_MEM_AVAILABLE) add_region(m[i].base, m[i].length);
}

static int overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d) { return a < d && c < b; }

uint64_t frame_try_zeroed(void) {
  uint64_t f = fa_alloc(&g_frames);
  if (f == FA_NONE) return 0;
  zero_page(p2v(f * PAGE_SIZE));
  return f * PAGE_SIZE;
}

uint64_t frame_alloc_zeroed(void) {
  uint64_t f = fa_alloc(&g_frames);
  if (f == FA_NONE) panic("out of physical memory");
  zero_page(p2v(f * PAGE_SIZE));
  return f * PAGE_SIZE;
}

static void init_memory(void) {
  const uint64_t kstart = 0x100000, kend = v2p(_kernel_end);
  const uint64_t istart = initrd_phys & ~(PAGE_SIZE - 1), iend = PAGE_ROUND_UP(initrd_phys + g_initrd_size);
  uint64_t top = 0;
  for (int i = 0; i < navail; ++i)
    if (avail[i].end > top) top = avail[i].end;
  top &= ~(PAGE_SIZE - 1);
  if (top <= kend) panic("no usable memory above the kernel");
  uint64_t nframes = top / PAGE_SIZE;
  uint64_t meta = PAGE_ROUND_UP(fa_metadata_bytes(nframes));

  /* The metadata goes at the lowest spot that fits in one available region
   * below 4 GiB (the boot direct map) and avoids the kernel and the initrd. */
  uint64_t best = ~0ull;
  for (int i = 0; i < navail; ++i) {
    uint64_t cands[3] = {avail[i].base, kend, iend};
    for (int c = 0; c < 3; ++c) {
      uint64_t a = PAGE_ROUND_UP(cands[c] < 0x100000 ? 0x100000 : cands[c]);
      if (a < avail[i].base || a + meta > avail[i].end || a + meta > (4ull << 30)) continue;
      if (overlaps(a, a + meta, kstart, kend)) continue;
      if (g_initrd_size && overlaps(a, a + meta, istart, iend)) continue;
      if (a < best) best = a;
    }
  }
  if (best == ~0ull) panic("no room for the frame allocator's metadata");
  fa_init(&g_frames, p2v(best), nframes);
  for (int i = 0; i < navail; ++i) {
    uint64_t b = PAGE_ROUND_UP(avail[i].base < 0x100000 ? 0x100000 : avail[i].base);
    uint64_t e = avail[i].end & ~(PAGE_SIZE - 1);
    if (e > b) fa_free_range(&g_frames, b / PAGE_SIZE, (e - b) / PAGE_SIZE);
  }
  fa_reserve_range(&g_frames, kstart / PAGE_SIZE, (kend - kstart) / PAGE_SIZE);
  if (g_initrd_size) fa_reserve_range(&g_frames, istart / PAGE_SIZE, (iend - istart) / PAGE_SIZE);
  fa_reserve_range(&g_frames, best / PAGE_SIZE, meta / PAGE_SIZE);
  g_initrd = g_initrd_size ? (const uint8_t*)p2v(initrd_phys) : 0;

  /* The kernel's page tables: the direct map of max(4 GiB, top of RAM) and
   * the kernel image, all global 2 MiB pages. Every process's PML4 shares
   * these upper-half entries, so they are all created now. */
  uint64_t* pml4 = p2v(g_kernel_pml4 = frame_alloc_zeroed());
  uint64_t span = top > (4ull << 30) ? top : (4ull << 30);
  span = (span + (1ull << 30) - 1) & ~((1ull << 30) - 1);
  if (span > (256ull << 39)) panic("too much memory for the direct map");
  for (uint64_t gib = 0; gib < (span >> 30); ++gib) {
    uint64_t i4 = 256 + (gib >> 9), i3 = gib & 511;
    if (!pml4[i4]) pml4[i4] = frame_alloc_zeroed() | PTE_P | PTE_W;
    uint64_t* pdpt = p2v(pml4[i4] & PTE_ADDR);
    uint64_t pd_pa = frame_alloc_zeroed();
    uint64_t* pd = p2v(pd_pa);
    for (uint64_t j = 0; j < 512; ++j) pd[j] = ((gib << 30) + (j << 21)) | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
    pdpt[i3] = pd_pa | PTE_P | PTE_W;
  }
  uint64_t kpdpt = frame_alloc_zeroed(), kpd = frame_alloc_zeroed();
  uint64_t* pd = p2v(kpd);
  for (uint64_t j = 0; j < 512; ++j) pd[j] = (j << 21) | PTE_P | PTE_W | PTE_PS | PTE_G;
  ((uint64_t*)p2v(kpdpt))[510] = kpd | PTE_P | PTE_W;
  pml4[511] = kpdpt | PTE_P | PTE_W;

  /* CR4: PAE, PGE, and OSFXSR | OSXMMEXCPT (user code uses SSE). */
  uint64_t cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  uint64_t want = cr4 | 0x20 | 0x80 | 0x200 | 0x400;
  if (want != cr4) __asm__ volatile("mov %0, %%cr4" : : "r"(want));
  write_cr3(g_kernel_pml4);
  g_loaded_cr3 = g_kernel_pml4;
  /* PCIDs (CR4.PCIDE, bit 17) on request, when CPUID.1:ECX.PCID says the CPU
   * has them; CR3 holds PCID 0 now, as enabling requires (SDM 4.10.1). */
  uint32_t a = 1, b, c = 0, d;
  if (g_want_pcid) __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  if (g_want_pcid && (c & (1u << 17))) {
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1ull << 17)));
    g_pcid = 1;
  } else if (g_want_pcid) {
    kprintf("kernel: the CPU has no PCIDs; pcid=1 ignored\n");
  }
  if (g_verbose)
    kprintf("kernel: %lu MiB of RAM, %lu MiB free, initrd %lu bytes, TSC %lu\n", top >> 20,
            (uint64_t)((g_frames.free_count * PAGE_SIZE) >> 20), g_initrd_size, rdtsc());
  if (g_verbose) kprintf("kernel: %lu frames free\n", g_frames.free_count);
}

static uint64_t parse_u64(const char* s) {
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
  return v;
}

#define MAX_ARGS 32

void kmain(uint64_t proto, uint64_t info, uint64_t magic) {
  if (proto == 1) read_multiboot(info, magic);
  else read_direct(info);

  /* Command line: [key=value kernel options] WORKLOAD [ARGS...]. Under
   * Multiboot the loader puts the image path first (GRUB and QEMU do); a
   * first word with a '/' or '.' in it is that path and is skipped. */
  static char* argv[MAX_ARGS + 1];
  int argc = 0;
  char* p = cmdline;
  int first = 1;
  while (*p) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    char* tok = p;
    while (*p && *p != ' ') ++p;
    if (*p) *p++ = 0;
    int has_path = 0, has_eq = 0;
    for (char* c = tok; *c; ++c) {
      if (*c == '/' || *c == '.') has_path = 1;
      if (*c == '=') has_eq = 1;
    }
    if (first && proto == 1 && has_path && !has_eq) {
      first = 0;
      continue;
    }
    first = 0;
    if (argc == 0 && has_eq && tok[0] != '-') {
      if (!strncmp(tok, "timer=", 6)) g_timer_period = parse_u64(tok + 6);
      else if (!strncmp(tok, "verbose=", 8)) g_verbose = (int)parse_u64(tok + 8);
      else if (!strncmp(tok, "pcid=", 5)) g_want_pcid = (int)parse_u64(tok + 5);
      else kprintf("kernel: unknown option '%s' ignored\n", tok);
      continue;
    }
    if (argc < MAX_ARGS) argv[argc++] = tok;
  }
  argv[argc] = 0;

  init_memory();
  arch_init();
  proc_init();
  if (argc == 0) {
    kprintf("kernel: no workload named on the command line\n");
    machine_exit(2);
  }
  if (!g_initrd) {
    kprintf("kernel: no initrd\n");
    machine_exit(2);
  }
  start_first_process(argv[0], argc, argv);
}
