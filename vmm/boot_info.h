/* The boot-info block of the direct ELF64 boot protocol (DESIGN §3). RDI
 * holds its guest-physical address at entry. Shared, as C, by vmsim's loader
 * and the guest software in workloads/. All addresses are guest-physical. */
#ifndef VMSIM_VMM_BOOT_INFO_H
#define VMSIM_VMM_BOOT_INFO_H
#include <stdint.h>

#define VMSIM_BOOT_MAGIC 0x4f4f424d49534d56ull /* "VMSIMBOO" */
#define VMSIM_BOOT_VERSION 1u

#define VMSIM_MEM_AVAILABLE 1u /* RAM the guest may use (minus its image and initrd) */
#define VMSIM_MEM_RESERVED 2u  /* loader data, holes */

struct vmsim_mmap_entry {
  uint64_t base;
  uint64_t length;
  uint32_t type;
  uint32_t reserved;
};

struct vmsim_boot_info {
  uint64_t magic;       /* VMSIM_BOOT_MAGIC */
  uint32_t version;     /* VMSIM_BOOT_VERSION */
  uint32_t vcpus;       /* number of vCPUs */
  uint64_t cmdline;     /* NUL-terminated command line */
  uint64_t initrd_base; /* 0 when there is none */
  uint64_t initrd_size;
  uint64_t image_start; /* physical extent of the loaded image's segments */
  uint64_t image_end;
  uint64_t mmap;        /* array of mmap_count vmsim_mmap_entry */
  uint32_t mmap_count;
  uint32_t reserved;
};

#endif
