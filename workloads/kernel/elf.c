#include "elf.h"

static uint64_t rd(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int elf_parse(const void* image, uint64_t size, struct elf_info* out) {
  const uint8_t* b = (const uint8_t*)image;
  if (size < 4) return ELF_ERR_TRUNCATED;
  if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F') return ELF_ERR_MAGIC;
  if (size < 64) return ELF_ERR_TRUNCATED;
  if (b[4] != 2 || b[5] != 1 || rd(b + 18, 2) != 62) return ELF_ERR_CLASS;
  if (rd(b + 16, 2) != 2) return ELF_ERR_TYPE;
  uint64_t phoff = rd(b + 32, 8);
  uint64_t phentsize = rd(b + 54, 2), phnum = rd(b + 56, 2);
  if (phentsize != 56 || phnum == 0) return ELF_ERR_PHDR;
  if (phoff > size || phnum * phentsize > size - phoff) return ELF_ERR_TRUNCATED;

  out->entry = rd(b + 24, 8);
  out->nsegs = 0;
  int entry_ok = 0;
  for (uint64_t i = 0; i < phnum; ++i) {
    const uint8_t* ph = b + phoff + i * phentsize;
    if (rd(ph, 4) != 1) continue; /* PT_LOAD */
    struct elf_seg s;
    s.flags = (uint32_t)rd(ph + 4, 4);
    s.offset = rd(ph + 8, 8);
    s.vaddr = rd(ph + 16, 8);
    s.filesz = rd(ph + 32, 8);
    s.memsz = rd(ph + 40, 8);
    if (s.memsz == 0) continue;
    if (s.filesz > s.memsz) return ELF_ERR_SEGMENT;
    if (s.offset > size || s.filesz > size - s.offset) return ELF_ERR_TRUNCATED;
    if (s.vaddr >= ELF_USER_TOP || s.memsz > ELF_USER_TOP - s.vaddr) return ELF_ERR_SEGMENT;
    if (s.vaddr < 0x1000) return ELF_ERR_SEGMENT; /* keep page 0 unmapped */
    if ((s.vaddr & 0xfff) != (s.offset & 0xfff)) return ELF_ERR_SEGMENT;
    if (out->nsegs == ELF_MAX_SEGS) return ELF_ERR_TOO_MANY;
    out->segs[out->nsegs++] = s;
    if ((s.flags & ELF_PF_X) && out->entry >= s.vaddr && out->entry < s.vaddr + s.memsz) entry_ok = 1;
  }
  if (out->nsegs == 0) return ELF_ERR_PHDR;
  if (!entry_ok) return ELF_ERR_ENTRY;
  return ELF_OK;
}
