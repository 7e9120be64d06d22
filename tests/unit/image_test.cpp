// The image loader's validation: every bad image is one clear ImageError.
#include <gtest/gtest.h>

#include <cstring>

#include "vmm/image.h"

namespace vmsim {
namespace {

// A minimal valid ELF64 x86-64 executable: one PT_LOAD at 1 MiB, entry inside it.
std::vector<uint8_t> minimal_elf(uint64_t paddr = 0x100000, uint64_t entry = 0x100000) {
  std::vector<uint8_t> b(64 + 56 + 16, 0);
  std::memcpy(b.data(), "\x7f" "ELF", 4);
  b[4] = 2;  // ELF64
  b[5] = 1;  // little endian
  b[6] = 1;
  auto w16 = [&](size_t off, uint16_t v) { std::memcpy(&b[off], &v, 2); };
  auto w32 = [&](size_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); };
  auto w64 = [&](size_t off, uint64_t v) { std::memcpy(&b[off], &v, 8); };
  w16(16, 2);   // ET_EXEC
  w16(18, 62);  // x86-64
  w32(20, 1);
  w64(24, entry);
  w64(32, 64);  // phoff
  w16(52, 64);
  w16(54, 56);
  w16(56, 1);
  w32(64, 1);  // PT_LOAD
  w64(64 + 8, 120);  // offset
  w64(64 + 16, paddr);
  w64(64 + 24, paddr);
  w64(64 + 32, 16);  // filesz
  w64(64 + 40, 4096);
  return b;
}

std::string error_of(std::vector<uint8_t> b) {
  try {
    parse_image(std::move(b), "t.elf");
  } catch (const ImageError& e) {
    return e.what();
  }
  return "";
}

TEST(Image, AcceptsAMinimalExecutable) {
  Image img = parse_image(minimal_elf(), "t.elf");
  EXPECT_EQ(img.entry, 0x100000u);
  ASSERT_EQ(img.segments.size(), 1u);
  EXPECT_EQ(img.phys_start, 0x100000u);
  EXPECT_EQ(img.phys_end, 0x101000u);
}

TEST(Image, RejectsBadImagesWithOneLine) {
  EXPECT_NE(error_of({}).find("is empty"), std::string::npos);
  EXPECT_NE(error_of({'M', 'Z', 0, 0, 1}).find("not an ELF file"), std::string::npos);
  auto b = minimal_elf();
  b.resize(40);
  EXPECT_NE(error_of(b).find("truncated"), std::string::npos);
  b = minimal_elf();
  b[4] = 1;
  EXPECT_NE(error_of(b).find("32-bit"), std::string::npos);
  b = minimal_elf();
  b[18] = 3;  // i386
  EXPECT_NE(error_of(b).find("not an x86-64"), std::string::npos);
  b = minimal_elf();
  b[16] = 3;  // ET_DYN
  EXPECT_NE(error_of(b).find("static executable"), std::string::npos);
  b = minimal_elf();
  b.resize(100);  // program headers cut off
  EXPECT_NE(error_of(b).find("truncated"), std::string::npos);
  b = minimal_elf();
  b.resize(125);  // segment data cut off
  EXPECT_NE(error_of(b).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(minimal_elf(0x100000, 0x200000)).find("entry point"), std::string::npos);
  b = minimal_elf();
  b[64] = 4;  // PT_NOTE instead of PT_LOAD
  EXPECT_NE(error_of(b).find("no loadable segment"), std::string::npos);
  for (const std::string& e : {error_of({}), error_of(b)}) EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(Image, MissingFile) {
  try {
    read_image("/nonexistent/vmsim.elf");
    FAIL();
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace vmsim
