#include "vmm/image.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace vmsim {

namespace {

template <class T> T rd(const std::vector<uint8_t>& b, uint64_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Image read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageError("cannot open image '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ImageError("cannot read image '" + path + "'");
  return parse_image(std::move(bytes), path);
}

Image parse_image(std::vector<uint8_t> bytes, const std::string& path) {
  const std::string who = "image '" + path + "'";
  if (bytes.empty()) throw ImageError(who + " is empty");
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0)
    throw ImageError(who + " is not an ELF file");
  if (bytes.size() < 64) throw ImageError(who + " is truncated (incomplete ELF header)");
  if ((bytes[4] != 1 && bytes[4] != 2) || bytes[5] != 1)
    throw ImageError(who + " is not a little-endian ELF32 or ELF64 file");
  const bool elf64 = bytes[4] == 2;
  if (!elf64 && bytes.size() < 52) throw ImageError(who + " is truncated (incomplete ELF header)");
  const uint16_t machine = rd<uint16_t>(bytes, 18);
  if (elf64 && machine != 62) throw ImageError(who + " is not an x86-64 ELF file");
  if (!elf64 && machine != 3) throw ImageError(who + " is a 32-bit ELF file that is not i386");
  if (rd<uint16_t>(bytes, 16) != 2) throw ImageError(who + " is not a static executable (ET_EXEC)");

  Image img;
  img.path = path;
  if (!elf64) {
    // Multiboot v1 (spec 0.6.96, 3.1): a 4-byte aligned header in the first
    // 8192 bytes whose magic, flags and checksum sum to zero.
    bool found = false;
    for (size_t off = 0; off + 12 <= bytes.size() && off < 8192; off += 4) {
      const uint32_t magic = rd<uint32_t>(bytes, off);
      if (magic != 0x1BADB002) continue;
      const uint32_t flags = rd<uint32_t>(bytes, off + 4);
      if (uint32_t(magic + flags + rd<uint32_t>(bytes, off + 8)) != 0) continue;
      found = true;
      img.multiboot_flags = flags;
      break;
    }
    if (!found) throw ImageError(who + " is a 32-bit ELF file without a Multiboot v1 header");
    if (img.multiboot_flags & (1u << 16))
      throw ImageError(who + ": Multiboot address fields (the a.out kludge) are not supported; use ELF program headers");
    if (img.multiboot_flags & 0xFFFC)
      throw ImageError(who + ": Multiboot header asks for unsupported features (flags " + hex(img.multiboot_flags) +
                       "; video modes are not offered)");
    img.protocol = BootProtocol::Multiboot1;
  }
  img.entry = elf64 ? rd<uint64_t>(bytes, 24) : rd<uint32_t>(bytes, 24);
  const uint64_t phoff = elf64 ? rd<uint64_t>(bytes, 32) : rd<uint32_t>(bytes, 28);
  const uint16_t phentsize = rd<uint16_t>(bytes, elf64 ? 54 : 42);
  const uint16_t phnum = rd<uint16_t>(bytes, elf64 ? 56 : 44);
  if (phnum == 0) throw ImageError(who + " has no program headers");
  if (phentsize != (elf64 ? 56 : 32)) throw ImageError(who + " has program headers of an unexpected size");
  if (phoff > bytes.size() || uint64_t(phnum) * phentsize > bytes.size() - phoff)
    throw ImageError(who + " is truncated (program headers past the end of the file)");

  img.phys_start = ~0ull;
  for (unsigned i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t(i) * phentsize;
    if (rd<uint32_t>(bytes, ph) != 1) continue;  // PT_LOAD only
    LoadSegment s;
    if (elf64) {
      s.file_offset = rd<uint64_t>(bytes, ph + 8);
      s.vaddr = rd<uint64_t>(bytes, ph + 16);
      s.paddr = rd<uint64_t>(bytes, ph + 24);
      s.filesz = rd<uint64_t>(bytes, ph + 32);
      s.memsz = rd<uint64_t>(bytes, ph + 40);
    } else {
      s.file_offset = rd<uint32_t>(bytes, ph + 4);
      s.vaddr = rd<uint32_t>(bytes, ph + 8);
      s.paddr = rd<uint32_t>(bytes, ph + 12);
      s.filesz = rd<uint32_t>(bytes, ph + 16);
      s.memsz = rd<uint32_t>(bytes, ph + 20);
    }
    if (s.memsz == 0) continue;
    if (s.filesz > s.memsz)
      throw ImageError(who + ": segment at " + hex(s.paddr) + " has more file bytes than memory bytes");
    if (s.file_offset > bytes.size() || s.filesz > bytes.size() - s.file_offset)
      throw ImageError(who + " is truncated (segment at " + hex(s.paddr) + " past the end of the file)");
    if (s.paddr + s.memsz < s.paddr)
      throw ImageError(who + ": segment at " + hex(s.paddr) + " wraps around the address space");
    img.phys_start = std::min(img.phys_start, s.paddr);
    img.phys_end = std::max(img.phys_end, s.paddr + s.memsz);
    img.segments.push_back(s);
  }
  if (img.segments.empty()) throw ImageError(who + " has no loadable segment");
  bool entry_loaded = false;
  for (const LoadSegment& s : img.segments)
    entry_loaded |= img.entry >= s.paddr && img.entry < s.paddr + s.memsz;
  if (!entry_loaded)
    throw ImageError(who + ": entry point " + hex(img.entry) +
                     " is not inside a loaded segment (the loader enters at the physical address)");
  img.bytes = std::move(bytes);
  return img;
}

}  // namespace vmsim
