#include "cpio.h"

#define HDR 110

static int hex8(const uint8_t* p, uint32_t* v) {
  uint32_t x = 0;
  for (int i = 0; i < 8; ++i) {
    uint8_t c = p[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
    else return -1;
    x = (x << 4) | d;
  }
  *v = x;
  return 0;
}

static const char* strip(const char* s, uint32_t* len) {
  for (;;) {
    if (*len >= 2 && s[0] == '.' && s[1] == '/') {
      s += 2;
      *len -= 2;
    } else if (*len >= 1 && s[0] == '/') {
      s += 1;
      *len -= 1;
    } else {
      return s;
    }
  }
}

int cpio_next(const void* archive, uint64_t size, uint64_t* offset, struct cpio_file* out) {
  const uint8_t* a = (const uint8_t*)archive;
  uint64_t off = *offset;
  if (off == size) return 0;
  if (off > size || size - off < HDR) return -1;
  const uint8_t* h = a + off;
  static const char magic[6] = {'0', '7', '0', '7', '0', '1'};
  for (int i = 0; i < 6; ++i)
    if (h[i] != (uint8_t)magic[i]) return -1;
  uint32_t mode, filesize, namesize;
  if (hex8(h + 14, &mode) || hex8(h + 54, &filesize) || hex8(h + 94, &namesize)) return -1;
  if (namesize == 0 || namesize > size - off - HDR) return -1;
  const char* name = (const char*)(h + HDR);
  if (name[namesize - 1] != 0) return -1;
  uint64_t data = (off + HDR + namesize + 3) & ~3ull;
  if (data > size || filesize > size - data) return -1;
  uint32_t len = namesize - 1;
  static const char trailer[] = "TRAILER!!!";
  if (len == 10) {
    int is_trailer = 1;
    for (int i = 0; i < 10; ++i)
      if (name[i] != trailer[i]) is_trailer = 0;
    if (is_trailer) {
      *offset = size;
      return 0;
    }
  }
  out->name = strip(name, &len);
  out->namelen = len;
  out->data = a + data;
  out->size = filesize;
  out->mode = mode;
  uint64_t next = (data + filesize + 3) & ~3ull;
  *offset = next < size ? next : size;
  return 1;
}

int cpio_find(const void* archive, uint64_t size, const char* name, struct cpio_file* out) {
  uint32_t len = 0;
  while (name[len]) ++len;
  name = strip(name, &len);
  uint64_t off = 0;
  struct cpio_file f;
  int r;
  while ((r = cpio_next(archive, size, &off, &f)) == 1) {
    if (f.namelen != len) continue;
    uint32_t i = 0;
    while (i < len && f.name[i] == name[i]) ++i;
    if (i == len) {
      *out = f;
      return 1;
    }
  }
  return r;
}
