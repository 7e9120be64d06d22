/* ELF64 executable parsing for exec: validates a static x86-64 ET_EXEC image
 * and lists its PT_LOAD segments. Pure code (no kernel dependencies), also
 * unit-tested on the host (tests/kernel/). */
#ifndef VMSIM_KERNEL_ELF_H
#define VMSIM_KERNEL_ELF_H
#include <stdint.h>

#define ELF_MAX_SEGS 8
#define ELF_USER_TOP 0x0000800000000000ull /* user addresses lie below */

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_seg {
  uint64_t vaddr;
  uint64_t memsz;
  uint64_t offset; /* file offset of the first file byte */
  uint64_t filesz;
  uint32_t flags; /* ELF_PF_* */
};

struct elf_info {
  uint64_t entry;
  uint32_t nsegs;
  struct elf_seg segs[ELF_MAX_SEGS];
};

enum elf_error {
  ELF_OK = 0,
  ELF_ERR_TRUNCATED = -1, /* shorter than its headers say */
  ELF_ERR_MAGIC = -2,     /* not ELF */
  ELF_ERR_CLASS = -3,     /* not little-endian ELF64 x86-64 */
  ELF_ERR_TYPE = -4,      /* not ET_EXEC */
  ELF_ERR_PHDR = -5,      /* bad program header table */
  ELF_ERR_SEGMENT = -6,   /* a segment is malformed or outside user space */
  ELF_ERR_TOO_MANY = -7,  /* more than ELF_MAX_SEGS PT_LOAD segments */
  ELF_ERR_ENTRY = -8,     /* entry point not in an executable segment */
};

/* Parse an image of 'size' bytes; fills *out and returns ELF_OK, or an
 * elf_error. */
int elf_parse(const void* image, uint64_t size, struct elf_info* out);

#endif
