/* Address spaces: per-process 4-level page tables whose kernel half is
 * shared, VMAs, demand-zero faults, copy-on-write fork, brk, mmap, munmap,
 * mprotect, and the TLB flushing policy (README.md, "TLB discipline"):
 *  - a fresh mapping of a non-present page is never flushed;
 *  - a permission upgrade (COW break with a sole owner, mprotect adding
 *    rights) is not flushed: a stale entry can only cause a spurious fault,
 *    and a #PF invalidates the faulting address's TLB entries (SDM 4.10.4.1);
 *  - a COW copy of a 4 KiB page installs a new frame without a flush for the
 *    same reason (the only entry for that page was the one that faulted);
 *  - unmapping or downgrading present pages of the loaded address space
 *    (fork's RW->RO, munmap, mprotect removing rights, brk shrinking) is
 *    flushed with one invlpg per page, or with one CR3 reload when more than
 *    TLB_FLUSH_CEILING pages change in one operation (Linux's ceiling);
 *  - an address space that is not loaded is never flushed (its entries went
 *    with the CR3 write that unloaded it). */
#include "../include/vmsim_syscalls.h"
#include "kernel.h"

#define TLB_FLUSH_CEILING 32

uint64_t g_loaded_cr3;
struct kstats g_stats;

struct tlb_batch {
  int n, full;
  uint64_t va[TLB_FLUSH_CEILING];
};

static void tlb_add(struct tlb_batch* b, uint64_t va) {
  if (b->full) return;
  if (b->n == TLB_FLUSH_CEILING) {
    b->full = 1;
    return;
  }
  b->va[b->n++] = va;
}

static void tlb_finish(struct mm* mm, struct tlb_batch* b) {
  if (mm->pml4 != g_loaded_cr3) {
    /* Not loaded: without PCIDs its entries left with the CR3 write that
     * unloaded it; with PCIDs they may linger under its PCID. */
    if ((b->n || b->full) && g_pcid) mm->fresh = 1;
    b->n = b->full = 0;
    return;
  }
  if (b->full) {
    /* Non-global entries only (the kernel's stay); with PCIDs, bit 63 clear
     * flushes just this PCID's. */
    write_cr3(g_loaded_cr3 | (g_pcid ? mm->pcid : 0));
    ++g_stats.cr3_reloads;
  } else {
    for (int i = 0; i < b->n; ++i) invlpg(b->va[i]);
    g_stats.invlpg += (uint64_t)b->n;
  }
  b->n = b->full = 0;
}

/* A CR3 write only on a real switch. Without PCIDs it flushes every
 * non-global entry. With PCIDs, bit 63 set keeps the new PCID's entries,
 * unless the PCID may hold another address space's (a new space in a
 * reused slot, exec) or entries left stale while it was unloaded. */
void switch_address_space(struct mm* mm) {
  if (mm->pml4 == g_loaded_cr3) return;
  uint64_t cr3 = mm->pml4;
  if (g_pcid) {
    cr3 |= mm->pcid;
    if (!mm->fresh) {
      cr3 |= 1ull << 63;
      ++g_stats.cr3_noflush;
    }
    mm->fresh = 0;
  }
  write_cr3(cr3);
  g_loaded_cr3 = mm->pml4;
  ++g_stats.cr3_switches;
}

static uint64_t* tbl(uint64_t e) { return (uint64_t*)p2v(e & PTE_ADDR); }
static int idx(uint64_t va, int level) { return (int)((va >> (12 + 9 * (level - 1))) & 511); }

/* The page-directory entry for va; intermediate tables are created when
 * alloc is set. NULL when absent and not allocating, or out of memory. */
static uint64_t* pd_entry(struct mm* mm, uint64_t va, int alloc) {
  uint64_t* t = p2v(mm->pml4);
  for (int level = 4; level > 2; --level) {
    uint64_t* e = &t[idx(va, level)];
    if (!(*e & PTE_P)) {
      uint64_t f = alloc ? frame_try_zeroed() : 0;
      if (!f) return 0;
      *e = f | PTE_P | PTE_W | PTE_U;
    }
    t = tbl(*e);
  }
  return &t[idx(va, 2)];
}

/* The 4 KiB page-table entry for va, or NULL (absent and not allocating,
 * out of memory, or va lies in a 2 MiB page). */
static uint64_t* pte_entry(struct mm* mm, uint64_t va, int alloc) {
  uint64_t* pde = pd_entry(mm, va, alloc);
  if (!pde) return 0;
  if (*pde & PTE_PS) return 0;
  if (!(*pde & PTE_P)) {
    uint64_t f = alloc ? frame_try_zeroed() : 0;
    if (!f) return 0;
    *pde = f | PTE_P | PTE_W | PTE_U;
  }
  return &tbl(*pde)[idx(va, 1)];
}

/* Leaf bits for a VMA's rights. PROT_NONE keeps a present page but without
 * U, so user accesses fault and the VMA check refuses them. */
static uint64_t leaf_bits(uint32_t flags) {
  uint64_t b = PTE_P;
  if (flags & (VMA_READ | VMA_WRITE | VMA_EXEC)) b |= PTE_U;
  if (flags & VMA_WRITE) b |= PTE_W;
  if (!(flags & VMA_EXEC)) b |= PTE_NX;
  return b;
}

/* ---- VMAs ---------------------------------------------------------------- */

static int find_vma(struct mm* mm, uint64_t va) {
  for (uint32_t i = 0; i < mm->nvma; ++i)
    if (va >= mm->vma[i].start && va < mm->vma[i].end) return (int)i;
  return -1;
}

int mm_add_vma(struct mm* mm, uint64_t start, uint64_t end, uint32_t flags) {
  if (mm->nvma == MAX_VMAS) return -ENOMEM;
  uint32_t i = 0;
  while (i < mm->nvma && mm->vma[i].start < start) ++i;
  if (i > 0 && mm->vma[i - 1].end > start) return -EINVAL;
  if (i < mm->nvma && mm->vma[i].start < end) return -EINVAL;
  for (uint32_t j = mm->nvma; j > i; --j) mm->vma[j] = mm->vma[j - 1];
  mm->vma[i] = (struct vma){start, end, flags};
  ++mm->nvma;
  return 0;
}

/* Split the VMA containing 'at' so that a VMA boundary falls on it. */
static int split_at(struct mm* mm, uint64_t at) {
  int i = find_vma(mm, at);
  if (i < 0 || mm->vma[i].start == at) return 0;
  if (mm->nvma == MAX_VMAS) return -ENOMEM;
  for (uint32_t j = mm->nvma; j > (uint32_t)i + 1; --j) mm->vma[j] = mm->vma[j - 1];
  mm->vma[i + 1] = mm->vma[i];
  mm->vma[i].end = at;
  mm->vma[i + 1].start = at;
  ++mm->nvma;
  return 0;
}

static void remove_vmas(struct mm* mm, uint64_t s, uint64_t e) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < mm->nvma; ++i)
    if (!(mm->vma[i].start >= s && mm->vma[i].end <= e)) mm->vma[k++] = mm->vma[i];
  mm->nvma = k;
}

/* ---- Address spaces -------------------------------------------------------- */

int mm_create(struct mm* mm) {
  mm->pml4 = frame_alloc_zeroed();
  uint64_t* n = p2v(mm->pml4);
  const uint64_t* k = p2v(g_kernel_pml4);
  for (int i = 256; i < 512; ++i) n[i] = k[i];
  mm->nvma = 0;
  mm->brk_start = mm->brk = 0;
  mm->pcid = 0;
  mm->fresh = 1;
  return 0;
}

/* Free every user frame and user page-table page; the PML4 stays. */
void mm_destroy(struct mm* mm) {
  uint64_t* l4 = p2v(mm->pml4);
  for (int i4 = 0; i4 < 256; ++i4) {
    if (!(l4[i4] & PTE_P)) continue;
    uint64_t* l3 = tbl(l4[i4]);
    for (int i3 = 0; i3 < 512; ++i3) {
      if (!(l3[i3] & PTE_P)) continue;
      uint64_t* l2 = tbl(l3[i3]);
      for (int i2 = 0; i2 < 512; ++i2) {
        uint64_t e = l2[i2];
        if (!(e & PTE_P)) continue;
        if (e & PTE_PS) {
          fa_put_huge(&g_frames, (e & PTE_ADDR_2M) / PAGE_SIZE);
          continue;
        }
        uint64_t* l1 = tbl(e);
        for (int i1 = 0; i1 < 512; ++i1)
          if (l1[i1] & PTE_P) fa_put(&g_frames, (l1[i1] & PTE_ADDR) / PAGE_SIZE);
        fa_put(&g_frames, (e & PTE_ADDR) / PAGE_SIZE);
      }
      fa_put(&g_frames, (l3[i3] & PTE_ADDR) / PAGE_SIZE);
    }
    fa_put(&g_frames, (l4[i4] & PTE_ADDR) / PAGE_SIZE);
    l4[i4] = 0;
  }
  mm->nvma = 0;
}

void mm_free_pml4(struct mm* mm) {
  if (mm->pml4) fa_put(&g_frames, mm->pml4 / PAGE_SIZE);
  mm->pml4 = 0;
}

/* Copy-on-write fork: the child shares every frame; writable pages become
 * read-only in both (flushed in the parent, which is the loaded space). */
int mm_fork(struct mm* parent, struct mm* child, uint16_t pcid) {
  mm_create(child);
  child->pcid = pcid;
  child->nvma = parent->nvma;
  for (uint32_t i = 0; i < parent->nvma; ++i) child->vma[i] = parent->vma[i];
  child->brk_start = parent->brk_start;
  child->brk = parent->brk;
  struct tlb_batch b = {0};
  uint64_t* p4 = p2v(parent->pml4);
  uint64_t* c4 = p2v(child->pml4);
  for (uint64_t i4 = 0; i4 < 256; ++i4) {
    if (!(p4[i4] & PTE_P)) continue;
    uint64_t* p3 = tbl(p4[i4]);
    c4[i4] = frame_alloc_zeroed() | PTE_P | PTE_W | PTE_U;
    uint64_t* c3 = tbl(c4[i4]);
    for (uint64_t i3 = 0; i3 < 512; ++i3) {
      if (!(p3[i3] & PTE_P)) continue;
      uint64_t* p2 = tbl(p3[i3]);
      c3[i3] = frame_alloc_zeroed() | PTE_P | PTE_W | PTE_U;
      uint64_t* c2 = tbl(c3[i3]);
      for (uint64_t i2 = 0; i2 < 512; ++i2) {
        uint64_t e = p2[i2];
        if (!(e & PTE_P)) continue;
        uint64_t va = (i4 << 39) | (i3 << 30) | (i2 << 21);
        if (e & PTE_PS) {
          if (e & PTE_W) {
            e &= ~PTE_W;
            p2[i2] = e;
            tlb_add(&b, va);
          }
          fa_get(&g_frames, (e & PTE_ADDR_2M) / PAGE_SIZE);
          c2[i2] = e;
          continue;
        }
        uint64_t* p1 = tbl(e);
        c2[i2] = frame_alloc_zeroed() | PTE_P | PTE_W | PTE_U;
        uint64_t* c1 = tbl(c2[i2]);
        for (uint64_t i1 = 0; i1 < 512; ++i1) {
          uint64_t pte = p1[i1];
          if (!(pte & PTE_P)) continue;
          if (pte & PTE_W) {
            pte &= ~PTE_W;
            p1[i1] = pte;
            tlb_add(&b, va | (i1 << 12));
          }
          fa_get(&g_frames, (pte & PTE_ADDR) / PAGE_SIZE);
          c1[i1] = pte;
        }
      }
    }
  }
  if (g_verbose > 1) kprintf("kernel: fork downgraded %d pages%s\n", b.n, b.full ? " (and more)" : "");
  tlb_finish(parent, &b);
  return 0;
}

/* ---- Faults ------------------------------------------------------------- */

int mm_fault(struct mm* mm, uint64_t va, uint64_t access) {
  const int write = (access & PF_WRITE) != 0;
  if (va >= USER_TOP) return MM_FAULT_SEGV;
  int i = find_vma(mm, va);
  if (i < 0) return MM_FAULT_SEGV;
  const struct vma* v = &mm->vma[i];
  if (!(v->flags & (VMA_READ | VMA_WRITE | VMA_EXEC))) return MM_FAULT_SEGV;
  if (write && !(v->flags & VMA_WRITE)) return MM_FAULT_SEGV;
  if ((access & PF_FETCH) && !(v->flags & VMA_EXEC)) return MM_FAULT_SEGV;
  uint64_t bits = leaf_bits(v->flags);
  uint64_t* pde = pd_entry(mm, va, 1);
  ++g_stats.faults;
  if (!pde) return MM_FAULT_OOM;

  if ((v->flags & VMA_HUGE) && !(*pde & PTE_P)) {
    uint64_t f = fa_alloc_huge(&g_frames);
    if (f != FA_NONE) {
      for (uint64_t k = 0; k < FA_HUGE_FRAMES; ++k) zero_page(p2v((f + k) * PAGE_SIZE));
      *pde = (f * PAGE_SIZE) | bits | PTE_PS;
      ++g_stats.demand_zero_2m;
      return 0;
    }
    /* No free 2 MiB frame: fall back to 4 KiB pages here. */
  }
  if (*pde & PTE_PS) {
    if (write && !(*pde & PTE_W)) {
      uint64_t head = (*pde & PTE_ADDR_2M) / PAGE_SIZE;
      if (fa_refs(&g_frames, head) == 1) {
        *pde |= PTE_W;
        ++g_stats.cow_reuses;
        return 0;
      }
      uint64_t f = fa_alloc_huge(&g_frames);
      if (f == FA_NONE) return MM_FAULT_OOM;
      for (uint64_t k = 0; k < FA_HUGE_FRAMES; ++k)
        copy_page(p2v((f + k) * PAGE_SIZE), p2v((head + k) * PAGE_SIZE));
      fa_put_huge(&g_frames, head);
      *pde = (f * PAGE_SIZE) | bits | PTE_PS;
      /* The frame changed under a 2 MiB page an implementation may have
       * cached as several pieces: flush it. */
      invlpg(va & ~(HUGE_SIZE - 1));
      ++g_stats.invlpg;
      ++g_stats.cow_copies;
      return 0;
    }
    ++g_stats.spurious_faults;
    return 0;
  }
  uint64_t* pte = pte_entry(mm, va, 1);
  if (!pte) return MM_FAULT_OOM;
  if (!(*pte & PTE_P)) {
    uint64_t f = frame_try_zeroed();
    if (!f) return MM_FAULT_OOM;
    *pte = f | bits; /* demand zero: no flush */
    ++g_stats.demand_zero;
    return 0;
  }
  if (write && !(*pte & PTE_W)) {
    uint64_t old = (*pte & PTE_ADDR) / PAGE_SIZE;
    if (fa_refs(&g_frames, old) == 1) {
      *pte |= PTE_W; /* sole owner: upgrade in place */
      ++g_stats.cow_reuses;
      return 0;
    }
    uint64_t f = fa_alloc(&g_frames);
    if (f == FA_NONE) return MM_FAULT_OOM;
    copy_page(p2v(f * PAGE_SIZE), p2v(old * PAGE_SIZE));
    fa_put(&g_frames, old);
    *pte = (f * PAGE_SIZE) | bits;
    ++g_stats.cow_copies;
    return 0;
  }
  /* Spurious: a stale entry from before a permission upgrade. */
  ++g_stats.spurious_faults;
  return 0;
}

int uaccess(struct mm* mm, uint64_t addr, uint64_t len, int write) {
  if (len == 0) return 0;
  if (addr >= USER_TOP || len > USER_TOP - addr) return -EFAULT;
  for (uint64_t p = PAGE_ROUND_DOWN(addr); p < addr + len; p += PAGE_SIZE) {
    int i = find_vma(mm, p);
    if (i < 0 || !(mm->vma[i].flags & (VMA_READ | VMA_WRITE))) return -EFAULT;
    if (write && !(mm->vma[i].flags & VMA_WRITE)) return -EFAULT;
    uint64_t* pde = pd_entry(mm, p, 0);
    uint64_t e = 0;
    if (pde && (*pde & PTE_PS)) e = *pde;
    else if (pde && (*pde & PTE_P)) e = tbl(*pde)[idx(p, 1)];
    if ((e & PTE_P) && (e & PTE_U) && (!write || (e & PTE_W))) continue;
    int r = mm_fault(mm, p, write ? PF_WRITE : 0);
    if (r == MM_FAULT_OOM) return -ENOMEM;
    if (r != 0) return -EFAULT;
  }
  return 0;
}

int ustring(struct mm* mm, uint64_t addr, char* out, size_t max) {
  for (size_t i = 0; i < max; ++i) {
    uint64_t a = addr + i;
    if (i == 0 || (a & (PAGE_SIZE - 1)) == 0)
      if (uaccess(mm, a, 1, 0)) return -EFAULT;
    out[i] = *(const char*)a;
    if (!out[i]) return (int)i;
  }
  return -E2BIG;
}

int mm_populate(struct mm* mm, uint64_t va, const void* src, uint64_t n, uint32_t flags) {
  uint64_t bits = leaf_bits(flags);
  const uint8_t* s = src;
  uint64_t end = va + n;
  for (uint64_t p = PAGE_ROUND_DOWN(va); p < end; p += PAGE_SIZE) {
    uint64_t* pte = pte_entry(mm, p, 1);
    if (!pte) return -ENOMEM;
    if (!(*pte & PTE_P)) {
      uint64_t f = frame_try_zeroed();
      if (!f) return -ENOMEM;
      *pte = f | bits;
    }
    else *pte = (*pte | (bits & (PTE_W | PTE_U))) & ~(bits & PTE_NX ? 0 : PTE_NX);
    if (s) {
      uint64_t lo = p < va ? va : p, hi = p + PAGE_SIZE < end ? p + PAGE_SIZE : end;
      memcpy((uint8_t*)p2v(*pte & PTE_ADDR) + (lo - p), s + (lo - va), hi - lo);
    }
  }
  return 0;
}

/* ---- Unmapping and protection changes --------------------------------------- */

/* Apply fn to every present leaf in [s, e), stepping over absent tables. */
static void unmap_range(struct mm* mm, uint64_t s, uint64_t e, struct tlb_batch* b) {
  uint64_t va = s;
  while (va < e) {
    uint64_t* pde = pd_entry(mm, va, 0);
    if (!pde || !(*pde & PTE_P)) {
      va = (va + HUGE_SIZE) & ~(HUGE_SIZE - 1);
      continue;
    }
    if (*pde & PTE_PS) { /* callers keep huge ranges 2 MiB-aligned */
      fa_put_huge(&g_frames, (*pde & PTE_ADDR_2M) / PAGE_SIZE);
      *pde = 0;
      tlb_add(b, va);
      va += HUGE_SIZE;
      continue;
    }
    uint64_t* pt = tbl(*pde);
    uint64_t first = va, stop = (va + HUGE_SIZE) & ~(HUGE_SIZE - 1);
    if (stop > e) stop = e;
    int flushed = 0;
    for (; va < stop; va += PAGE_SIZE) {
      uint64_t* pte = &pt[idx(va, 1)];
      if (!(*pte & PTE_P)) continue;
      fa_put(&g_frames, (*pte & PTE_ADDR) / PAGE_SIZE);
      *pte = 0;
      tlb_add(b, va);
      flushed = 1;
    }
    /* A page table left empty is freed (like Linux's free_pgtables), so the
     * slot can take a 2 MiB page later. Its PDE may sit in a paging-structure
     * cache: an invlpg in the range (or the batch's CR3 reload) drops it
     * (SDM 4.10.4.1: INVLPG invalidates all paging-structure cache entries). */
    int empty = 1;
    for (int i = 0; i < 512 && empty; ++i) empty = !(pt[i] & PTE_P);
    if (empty) {
      fa_put(&g_frames, (*pde & PTE_ADDR) / PAGE_SIZE);
      *pde = 0;
      if (!flushed) tlb_add(b, first);
    }
  }
}

/* The range must not cut a 2 MiB VMA anywhere but at 2 MiB boundaries. */
static int huge_aligned(struct mm* mm, uint64_t s, uint64_t e) {
  for (uint32_t i = 0; i < mm->nvma; ++i) {
    const struct vma* v = &mm->vma[i];
    if (!(v->flags & VMA_HUGE) || v->end <= s || v->start >= e) continue;
    if ((s > v->start && (s & (HUGE_SIZE - 1))) || (e < v->end && (e & (HUGE_SIZE - 1)))) return 0;
  }
  return 1;
}

static int64_t do_munmap(struct mm* mm, uint64_t s, uint64_t e) {
  if (!huge_aligned(mm, s, e)) return -EINVAL;
  if (split_at(mm, s) || split_at(mm, e)) return -ENOMEM;
  struct tlb_batch b = {0};
  unmap_range(mm, s, e, &b);
  tlb_finish(mm, &b);
  remove_vmas(mm, s, e);
  return 0;
}

static uint32_t prot_flags(uint64_t prot) {
  return (prot & PROT_READ ? VMA_READ : 0) | (prot & PROT_WRITE ? VMA_WRITE : 0) | (prot & PROT_EXEC ? VMA_EXEC : 0);
}

int64_t sys_munmap(uint64_t addr, uint64_t len) {
  if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
  return do_munmap(&g_current->mm, addr, PAGE_ROUND_UP(addr + len));
}

int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off) {
  (void)fd;
  (void)off;
  struct mm* mm = &g_current->mm;
  if (len == 0 || len > USER_TOP) return -EINVAL;
  if (!(flags & MAP_ANONYMOUS)) return -ENOSYS; /* no file mappings */
  if ((flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE) return -EINVAL;
  int huge = (flags & MAP_HUGETLB) != 0;
  uint64_t align = huge ? HUGE_SIZE : PAGE_SIZE;
  len = (len + align - 1) & ~(align - 1);
  uint64_t start;
  if (flags & MAP_FIXED) {
    if ((addr & (PAGE_SIZE - 1)) || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
    if (huge && (addr & (HUGE_SIZE - 1))) huge = 0; /* no 2 MiB alignment: 4 KiB pages */
    int64_t r = do_munmap(mm, addr, addr + len);
    if (r) return r;
    start = addr;
  } else {
    start = MMAP_BASE;
    for (uint32_t i = 0; i < mm->nvma; ++i) {
      const struct vma* v = &mm->vma[i];
      if (v->end <= start) continue;
      if (v->start >= start + len) break;
      start = (v->end + align - 1) & ~(align - 1);
    }
    if (start + len > STACK_TOP - STACK_SIZE) return -ENOMEM;
  }
  int r = mm_add_vma(mm, start, start + len, prot_flags(prot) | (huge ? VMA_HUGE : 0));
  if (r) return r;
  return (int64_t)start;
}

int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot) {
  struct mm* mm = &g_current->mm;
  if ((addr & (PAGE_SIZE - 1)) || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
  uint64_t s = addr, e = PAGE_ROUND_UP(addr + len);
  if (s == e) return 0;
  for (uint64_t p = s; p < e;) { /* every page must be mapped */
    int i = find_vma(mm, p);
    if (i < 0) return -ENOMEM;
    p = mm->vma[i].end;
  }
  if (!huge_aligned(mm, s, e)) return -EINVAL;
  if (split_at(mm, s) || split_at(mm, e)) return -ENOMEM;
  uint32_t nf = prot_flags(prot);
  for (uint32_t i = 0; i < mm->nvma; ++i)
    if (mm->vma[i].start >= s && mm->vma[i].end <= e) mm->vma[i].flags = (mm->vma[i].flags & ~7u) | nf;

  uint64_t bits = leaf_bits(nf);
  struct tlb_batch b = {0};
  for (uint64_t va = s; va < e;) {
    uint64_t* pde = pd_entry(mm, va, 0);
    uint64_t* ent;
    uint64_t step;
    if (!pde || !(*pde & PTE_P)) {
      va = (va + HUGE_SIZE) & ~(HUGE_SIZE - 1);
      continue;
    }
    if (*pde & PTE_PS) {
      ent = pde;
      step = HUGE_SIZE;
    } else {
      ent = &tbl(*pde)[idx(va, 1)];
      step = PAGE_SIZE;
    }
    uint64_t old = *ent;
    if (old & PTE_P) {
      uint64_t frame = step == HUGE_SIZE ? (old & PTE_ADDR_2M) : (old & PTE_ADDR);
      uint64_t nb = bits;
      /* A shared (COW) frame stays read-only until written. */
      if ((nb & PTE_W) && !(old & PTE_W) && fa_refs(&g_frames, frame / PAGE_SIZE) > 1) nb &= ~PTE_W;
      uint64_t keep = old & (PTE_ADDR | PTE_A | PTE_D | PTE_PS);
      uint64_t neu = keep | nb;
      int downgrade = ((old & PTE_W) && !(neu & PTE_W)) || (!(old & PTE_NX) && (neu & PTE_NX)) ||
                      ((old & PTE_U) && !(neu & PTE_U));
      if (neu != old) {
        *ent = neu;
        if (downgrade) tlb_add(&b, va);
      }
    }
    va = (va + step) & ~(step - 1);
  }
  tlb_finish(mm, &b);
  return 0;
}

int64_t sys_brk(uint64_t addr) {
  struct mm* mm = &g_current->mm;
  if (addr < mm->brk_start || addr >= MMAP_BASE) return (int64_t)mm->brk;
  uint64_t old_end = PAGE_ROUND_UP(mm->brk), new_end = PAGE_ROUND_UP(addr);
  int h = find_vma(mm, mm->brk_start);
  if (new_end > old_end) {
    for (uint32_t i = 0; i < mm->nvma; ++i) /* no collision with another mapping */
      if (mm->vma[i].start < new_end && mm->vma[i].end > old_end && (int)i != h) return (int64_t)mm->brk;
    if (h >= 0) mm->vma[h].end = new_end;
    else if (mm_add_vma(mm, mm->brk_start, new_end, VMA_READ | VMA_WRITE | VMA_HEAP)) return (int64_t)mm->brk;
  } else if (new_end < old_end) {
    struct tlb_batch b = {0};
    unmap_range(mm, new_end, old_end, &b);
    tlb_finish(mm, &b);
    if (h >= 0) {
      mm->vma[h].end = new_end;
      if (new_end == mm->vma[h].start) remove_vmas(mm, new_end, new_end);
    }
  }
  mm->brk = addr;
  return (int64_t)addr;
}
