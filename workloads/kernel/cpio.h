/* Reading the initrd: a cpio "newc" archive (magic 070701). Pure code (no
 * kernel dependencies), also unit-tested on the host (tests/kernel/). */
#ifndef VMSIM_KERNEL_CPIO_H
#define VMSIM_KERNEL_CPIO_H
#include <stdint.h>

struct cpio_file {
  const char* name; /* as stored, without a leading "./" or "/"; not NUL-terminated beyond namelen */
  uint32_t namelen; /* without the NUL */
  const uint8_t* data;
  uint64_t size;
  uint32_t mode;
};

/* Step through the archive: reads the entry at *offset and advances it.
 * Returns 1 with *out filled, 0 at the TRAILER!!! entry (or the end of the
 * archive), -1 when the archive is malformed. */
int cpio_next(const void* archive, uint64_t size, uint64_t* offset, struct cpio_file* out);
/* Find a file by name ("/x", "./x" and "x" are the same). 1 found, 0 not
 * found, -1 malformed. */
int cpio_find(const void* archive, uint64_t size, const char* name, struct cpio_file* out);

#endif
