#include "frame_alloc.h"

static void set_free(struct frame_alloc* fa, uint64_t f) { fa->bitmap[f >> 6] |= 1ull << (f & 63); }
static void set_used(struct frame_alloc* fa, uint64_t f) { fa->bitmap[f >> 6] &= ~(1ull << (f & 63)); }

uint64_t fa_metadata_bytes(uint64_t nframes) {
  uint64_t words = (nframes + 63) / 64;
  uint64_t refs = (nframes * sizeof(uint16_t) + 7) & ~7ull;
  return words * 8 + refs;
}

void fa_init(struct frame_alloc* fa, void* meta, uint64_t nframes) {
  uint64_t words = (nframes + 63) / 64;
  fa->bitmap = (uint64_t*)meta;
  fa->refs = (uint16_t*)(fa->bitmap + words);
  fa->nframes = nframes;
  fa->free_count = 0;
  fa->hint = 0;
  for (uint64_t i = 0; i < words; ++i) fa->bitmap[i] = 0;
  for (uint64_t i = 0; i < nframes; ++i) fa->refs[i] = 0;
}

void fa_free_range(struct frame_alloc* fa, uint64_t first, uint64_t count) {
  uint64_t end = first + count < fa->nframes ? first + count : fa->nframes;
  for (uint64_t f = first; f < end; ++f) {
    if ((f & 63) == 0 && f + 64 <= end && fa->bitmap[f >> 6] == 0) { /* a whole word at once */
      fa->bitmap[f >> 6] = ~0ull;
      for (uint64_t i = 0; i < 64; ++i) fa->refs[f + i] = 0;
      fa->free_count += 64;
      f += 63;
      continue;
    }
    if (!fa_is_free(fa, f)) {
      set_free(fa, f);
      fa->refs[f] = 0;
      ++fa->free_count;
    }
  }
  if (first < fa->nframes && (first >> 6) < fa->hint) fa->hint = first >> 6;
}

void fa_reserve_range(struct frame_alloc* fa, uint64_t first, uint64_t count) {
  uint64_t end = first + count < fa->nframes ? first + count : fa->nframes;
  for (uint64_t f = first; f < end; ++f) {
    if ((f & 63) == 0 && f + 64 <= end && fa->bitmap[f >> 6] == ~0ull) {
      fa->bitmap[f >> 6] = 0;
      fa->free_count -= 64;
      f += 63;
      continue;
    }
    if (fa_is_free(fa, f)) {
      set_used(fa, f);
      --fa->free_count;
    }
  }
}

int fa_is_free(const struct frame_alloc* fa, uint64_t f) {
  return f < fa->nframes && ((fa->bitmap[f >> 6] >> (f & 63)) & 1);
}

uint64_t fa_alloc(struct frame_alloc* fa) {
  uint64_t words = (fa->nframes + 63) / 64;
  if (fa->free_count == 0) return FA_NONE;
  for (uint64_t n = 0; n < words; ++n) {
    uint64_t w = fa->hint + n;
    if (w >= words) w -= words;
    uint64_t bits = fa->bitmap[w];
    if (!bits) continue;
    uint64_t f = w * 64 + (uint64_t)__builtin_ctzll(bits);
    if (f >= fa->nframes) continue;
    set_used(fa, f);
    fa->refs[f] = 1;
    --fa->free_count;
    fa->hint = w;
    return f;
  }
  return FA_NONE;
}

uint64_t fa_alloc_huge(struct frame_alloc* fa) {
  /* A 2 MiB-aligned run is 8 whole bitmap words. */
  uint64_t groups = fa->nframes / FA_HUGE_FRAMES;
  if (fa->free_count < FA_HUGE_FRAMES) return FA_NONE;
  for (uint64_t g = 0; g < groups; ++g) {
    const uint64_t* w = fa->bitmap + g * 8;
    int all = 1;
    for (int i = 0; i < 8; ++i)
      if (w[i] != ~0ull) {
        all = 0;
        break;
      }
    if (!all) continue;
    uint64_t first = g * FA_HUGE_FRAMES;
    for (int i = 0; i < 8; ++i) fa->bitmap[g * 8 + (uint64_t)i] = 0;
    fa->free_count -= FA_HUGE_FRAMES;
    fa->refs[first] = 1;
    return first;
  }
  return FA_NONE;
}

uint32_t fa_get(struct frame_alloc* fa, uint64_t f) { return ++fa->refs[f]; }

uint32_t fa_refs(const struct frame_alloc* fa, uint64_t f) { return fa->refs[f]; }

uint32_t fa_put(struct frame_alloc* fa, uint64_t f) {
  uint32_t r = --fa->refs[f];
  if (r == 0) {
    set_free(fa, f);
    ++fa->free_count;
    if ((f >> 6) < fa->hint) fa->hint = f >> 6;
  }
  return r;
}

uint32_t fa_put_huge(struct frame_alloc* fa, uint64_t f) {
  uint32_t r = --fa->refs[f];
  if (r == 0) {
    for (int i = 0; i < 8; ++i) fa->bitmap[(f >> 6) + (uint64_t)i] = ~0ull;
    fa->free_count += FA_HUGE_FRAMES;
    if ((f >> 6) < fa->hint) fa->hint = f >> 6;
  }
  return r;
}
