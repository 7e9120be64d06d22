/* Physical frame allocator: a bitmap of free 4 KiB frames plus a reference
 * count per frame (copy-on-write sharing). Pure code, no kernel
 * dependencies: it is also compiled on the host and unit-tested
 * (tests/kernel/). The kernel feeds it the boot memory map.
 *
 * Allocation is lowest-address-first from a hint, so it is deterministic and
 * keeps early allocations (page tables built at boot) low. A 2 MiB frame is
 * 512 naturally aligned frames; its reference count lives in its first
 * frame's slot. */
#ifndef VMSIM_KERNEL_FRAME_ALLOC_H
#define VMSIM_KERNEL_FRAME_ALLOC_H
#include <stddef.h>
#include <stdint.h>

#define FA_HUGE_FRAMES 512u /* 4 KiB frames per 2 MiB frame */
#define FA_NONE (~0ull)

struct frame_alloc {
  uint64_t* bitmap; /* bit set = frame free */
  uint16_t* refs;   /* reference count per frame */
  uint64_t nframes; /* frames 0..nframes-1 are tracked */
  uint64_t free_count;
  uint64_t hint; /* bitmap word where the next search starts */
};

/* Bytes of metadata fa_init needs for nframes frames (8-byte aligned). */
uint64_t fa_metadata_bytes(uint64_t nframes);
/* Set up with every frame in use; meta must hold fa_metadata_bytes bytes. */
void fa_init(struct frame_alloc* fa, void* meta, uint64_t nframes);
/* Mark frames [first, first+count) free (from the memory map) or in use. */
void fa_free_range(struct frame_alloc* fa, uint64_t first, uint64_t count);
void fa_reserve_range(struct frame_alloc* fa, uint64_t first, uint64_t count);

/* The lowest free frame, with reference count 1; FA_NONE when none is left. */
uint64_t fa_alloc(struct frame_alloc* fa);
/* The lowest free 2 MiB-aligned run of 512 frames; FA_NONE when none. */
uint64_t fa_alloc_huge(struct frame_alloc* fa);
/* Reference counting: get adds a reference; put drops one and frees the
 * frame (or the 2 MiB run, for put_huge) when it was the last. Both
 * return the count after the change. */
uint32_t fa_get(struct frame_alloc* fa, uint64_t frame);
uint32_t fa_put(struct frame_alloc* fa, uint64_t frame);
uint32_t fa_put_huge(struct frame_alloc* fa, uint64_t frame);
uint32_t fa_refs(const struct frame_alloc* fa, uint64_t frame);
int fa_is_free(const struct frame_alloc* fa, uint64_t frame);

#endif
