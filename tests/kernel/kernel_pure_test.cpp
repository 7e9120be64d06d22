// The guest kernel's pure parts, compiled for the host: the frame
// allocator, the ELF64 parser and the cpio newc reader
// (workloads/kernel/{frame_alloc,elf,cpio}.c).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "../../workloads/kernel/cpio.h"
#include "../../workloads/kernel/elf.h"
#include "../../workloads/kernel/frame_alloc.h"
}

namespace {

// ---- frame allocator ----------------------------------------------------------

struct Frames {
  explicit Frames(uint64_t n) : meta(fa_metadata_bytes(n) / 8 + 1) { fa_init(&fa, meta.data(), n); }
  std::vector<uint64_t> meta;
  frame_alloc fa{};
};

TEST(FrameAlloc, StartsEmptyAndHandsOutFreedFramesLowestFirst) {
  Frames f(1000);
  EXPECT_EQ(f.fa.free_count, 0u);
  EXPECT_EQ(fa_alloc(&f.fa), FA_NONE);
  fa_free_range(&f.fa, 300, 100);
  fa_free_range(&f.fa, 10, 5);
  EXPECT_EQ(f.fa.free_count, 105u);
  for (uint64_t want : {10, 11, 12, 13, 14, 300, 301}) EXPECT_EQ(fa_alloc(&f.fa), want);
  EXPECT_EQ(f.fa.free_count, 98u);
}

TEST(FrameAlloc, ReserveRemovesFramesAndRangesAreClipped) {
  Frames f(200);
  fa_free_range(&f.fa, 0, 1000);  // clipped to 200 frames
  EXPECT_EQ(f.fa.free_count, 200u);
  fa_reserve_range(&f.fa, 0, 64);
  fa_reserve_range(&f.fa, 10, 10);  // already reserved: no double count
  EXPECT_EQ(f.fa.free_count, 136u);
  EXPECT_EQ(fa_alloc(&f.fa), 64u);
  EXPECT_FALSE(fa_is_free(&f.fa, 64));
  EXPECT_TRUE(fa_is_free(&f.fa, 65));
  EXPECT_FALSE(fa_is_free(&f.fa, 500));
}

TEST(FrameAlloc, ExhaustionAndReuse) {
  Frames f(70);
  fa_free_range(&f.fa, 0, 70);
  std::vector<uint64_t> got;
  for (int i = 0; i < 70; ++i) got.push_back(fa_alloc(&f.fa));
  EXPECT_EQ(fa_alloc(&f.fa), FA_NONE);
  for (int i = 0; i < 70; ++i) EXPECT_EQ(got[i], uint64_t(i));
  EXPECT_EQ(fa_put(&f.fa, 42), 0u);
  EXPECT_EQ(fa_put(&f.fa, 3), 0u);
  EXPECT_EQ(fa_alloc(&f.fa), 3u);  // the lowest freed frame first
  EXPECT_EQ(fa_alloc(&f.fa), 42u);
  EXPECT_EQ(fa_alloc(&f.fa), FA_NONE);
}

TEST(FrameAlloc, ReferenceCountsFreeOnTheLastPut) {
  Frames f(64);
  fa_free_range(&f.fa, 0, 64);
  const uint64_t a = fa_alloc(&f.fa);
  EXPECT_EQ(fa_refs(&f.fa, a), 1u);
  EXPECT_EQ(fa_get(&f.fa, a), 2u);
  EXPECT_EQ(fa_get(&f.fa, a), 3u);
  EXPECT_EQ(fa_put(&f.fa, a), 2u);
  EXPECT_FALSE(fa_is_free(&f.fa, a));
  EXPECT_EQ(fa_put(&f.fa, a), 1u);
  EXPECT_EQ(fa_put(&f.fa, a), 0u);
  EXPECT_TRUE(fa_is_free(&f.fa, a));
  EXPECT_EQ(f.fa.free_count, 64u);
}

TEST(FrameAlloc, HugeFramesAreAlignedWholeRuns) {
  Frames f(4 * FA_HUGE_FRAMES);
  fa_free_range(&f.fa, 1, 4 * FA_HUGE_FRAMES - 1);  // frame 0 in use: the first run is broken
  const uint64_t h = fa_alloc_huge(&f.fa);
  EXPECT_EQ(h, uint64_t(FA_HUGE_FRAMES));
  EXPECT_EQ(f.fa.free_count, 4 * FA_HUGE_FRAMES - 1 - FA_HUGE_FRAMES);
  for (uint64_t i = h; i < h + FA_HUGE_FRAMES; ++i) EXPECT_FALSE(fa_is_free(&f.fa, i));
  // Small allocations avoid nothing in particular, but never hand out the run.
  for (int i = 0; i < 600; ++i) {
    const uint64_t s = fa_alloc(&f.fa);
    EXPECT_TRUE(s < h || s >= h + FA_HUGE_FRAMES) << s;
  }
  // 600 small frames broke the runs at 0 and 1024: the next run is 1536.
  EXPECT_EQ(fa_alloc_huge(&f.fa), uint64_t(3 * FA_HUGE_FRAMES));
  EXPECT_EQ(fa_alloc_huge(&f.fa), FA_NONE);
  EXPECT_EQ(fa_get(&f.fa, h), 2u);
  EXPECT_EQ(fa_put_huge(&f.fa, h), 1u);
  EXPECT_FALSE(fa_is_free(&f.fa, h));
  EXPECT_EQ(fa_put_huge(&f.fa, h), 0u);
  for (uint64_t i = h; i < h + FA_HUGE_FRAMES; ++i) EXPECT_TRUE(fa_is_free(&f.fa, i));
  EXPECT_EQ(fa_alloc_huge(&f.fa), h);
}

TEST(FrameAlloc, MetadataSizeCoversBitmapAndCounts) {
  EXPECT_EQ(fa_metadata_bytes(64), 8u + 128u);
  EXPECT_EQ(fa_metadata_bytes(65), 16u + 136u);
  EXPECT_EQ(fa_metadata_bytes(1u << 20) % 8, 0u);
}

// ---- ELF64 ----------------------------------------------------------------------

template <class T> void put(std::vector<uint8_t>& b, size_t off, T v) { std::memcpy(b.data() + off, &v, sizeof v); }

// A minimal static x86-64 executable: two PT_LOAD segments (text RX with the
// entry, data RW with a bss tail) and one PT_NOTE.
std::vector<uint8_t> make_elf() {
  std::vector<uint8_t> b(0x3000, 0);
  const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::memcpy(b.data(), ident, 16);
  put<uint16_t>(b, 16, 2);   // ET_EXEC
  put<uint16_t>(b, 18, 62);  // EM_X86_64
  put<uint32_t>(b, 20, 1);
  put<uint64_t>(b, 24, 0x401010);  // entry
  put<uint64_t>(b, 32, 64);        // phoff
  put<uint16_t>(b, 52, 64);
  put<uint16_t>(b, 54, 56);
  put<uint16_t>(b, 56, 3);
  auto ph = [&](int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va, uint64_t filesz, uint64_t memsz) {
    const size_t p = 64 + size_t(i) * 56;
    put<uint32_t>(b, p, type);
    put<uint32_t>(b, p + 4, flags);
    put<uint64_t>(b, p + 8, off);
    put<uint64_t>(b, p + 16, va);
    put<uint64_t>(b, p + 24, va);
    put<uint64_t>(b, p + 32, filesz);
    put<uint64_t>(b, p + 40, memsz);
  };
  ph(0, 1, ELF_PF_R | ELF_PF_X, 0x1000, 0x401000, 0x100, 0x100);
  ph(1, 4, ELF_PF_R, 0x200, 0x400200, 0x20, 0x20);  // PT_NOTE: ignored
  ph(2, 1, ELF_PF_R | ELF_PF_W, 0x2000, 0x402000, 0x80, 0x5000);
  return b;
}

TEST(Elf, ParsesLoadSegmentsAndEntry) {
  const auto b = make_elf();
  elf_info ei{};
  ASSERT_EQ(elf_parse(b.data(), b.size(), &ei), ELF_OK);
  EXPECT_EQ(ei.entry, 0x401010u);
  ASSERT_EQ(ei.nsegs, 2u);
  EXPECT_EQ(ei.segs[0].vaddr, 0x401000u);
  EXPECT_EQ(ei.segs[0].flags, ELF_PF_R | ELF_PF_X);
  EXPECT_EQ(ei.segs[1].offset, 0x2000u);
  EXPECT_EQ(ei.segs[1].filesz, 0x80u);
  EXPECT_EQ(ei.segs[1].memsz, 0x5000u);
}

TEST(Elf, RejectsMalformedImages) {
  elf_info ei{};
  auto b = make_elf();
  EXPECT_EQ(elf_parse(b.data(), 3, &ei), ELF_ERR_TRUNCATED);
  EXPECT_EQ(elf_parse(b.data(), 40, &ei), ELF_ERR_TRUNCATED);
  EXPECT_EQ(elf_parse(b.data(), 0x1800, &ei), ELF_ERR_TRUNCATED);  // the data segment's bytes are cut off
  auto m = b;
  m[1] = 'X';
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_MAGIC);
  m = b;
  m[4] = 1;  // ELFCLASS32
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_CLASS);
  m = b;
  put<uint16_t>(m, 18, 3);  // EM_386
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_CLASS);
  m = b;
  put<uint16_t>(m, 16, 3);  // ET_DYN
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_TYPE);
  m = b;
  put<uint16_t>(m, 54, 32);
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_PHDR);
  m = b;
  put<uint64_t>(m, 32, 0x2ff0);  // program headers run past the end
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_TRUNCATED);
  m = b;
  put<uint64_t>(m, 64 + 2 * 56 + 32, 0x6000);  // filesz > memsz
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_SEGMENT);
  m = b;
  put<uint64_t>(m, 64 + 16, 0xffff800000000000ull);  // kernel half
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_SEGMENT);
  m = b;
  put<uint64_t>(m, 64 + 16, 0x401800);  // vaddr and offset disagree modulo the page
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_SEGMENT);
  m = b;
  put<uint64_t>(m, 24, 0x402010);  // entry in the non-executable segment
  EXPECT_EQ(elf_parse(m.data(), m.size(), &ei), ELF_ERR_ENTRY);
}

// ---- cpio newc ----------------------------------------------------------------------

void add_entry(std::string& out, const std::string& name, const std::string& data, unsigned mode = 0100644) {
  char hdr[111];
  std::snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u, 0u, 1u,
                0u, unsigned(data.size()), 0u, 0u, 0u, 0u, unsigned(name.size() + 1), 0u);
  out += hdr;
  out += name;
  out += '\0';
  while (out.size() % 4) out += '\0';
  out += data;
  while (out.size() % 4) out += '\0';
}

std::string make_archive() {
  std::string a;
  add_entry(a, "hello", "Hello, world\n");
  add_entry(a, "./dir/x", "xyz", 0100755);
  add_entry(a, "empty", "");
  add_entry(a, "TRAILER!!!", "", 0);
  return a;
}

TEST(Cpio, IteratesEntriesUntilTheTrailer) {
  const std::string a = make_archive();
  uint64_t off = 0;
  cpio_file f{};
  ASSERT_EQ(cpio_next(a.data(), a.size(), &off, &f), 1);
  EXPECT_EQ(std::string(f.name, f.namelen), "hello");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data), f.size), "Hello, world\n");
  ASSERT_EQ(cpio_next(a.data(), a.size(), &off, &f), 1);
  EXPECT_EQ(std::string(f.name, f.namelen), "dir/x");
  EXPECT_EQ(f.mode, 0100755u);
  ASSERT_EQ(cpio_next(a.data(), a.size(), &off, &f), 1);
  EXPECT_EQ(f.size, 0u);
  EXPECT_EQ(cpio_next(a.data(), a.size(), &off, &f), 0);
  EXPECT_EQ(cpio_next(a.data(), a.size(), &off, &f), 0);
}

TEST(Cpio, FindsByNameWithOrWithoutLeadingSlash) {
  const std::string a = make_archive();
  cpio_file f{};
  ASSERT_EQ(cpio_find(a.data(), a.size(), "/dir/x", &f), 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data), f.size), "xyz");
  EXPECT_EQ(cpio_find(a.data(), a.size(), "./hello", &f), 1);
  EXPECT_EQ(cpio_find(a.data(), a.size(), "hell", &f), 0);
  EXPECT_EQ(cpio_find(a.data(), a.size(), "hello2", &f), 0);
}

TEST(Cpio, RejectsMalformedArchives) {
  const std::string a = make_archive();
  cpio_file f{};
  uint64_t off = 0;
  std::string m = a;
  m[5] = '2';  // old-style magic
  EXPECT_EQ(cpio_next(m.data(), m.size(), &off, &f), -1);
  off = 0;
  EXPECT_EQ(cpio_next(a.data(), 100, &off, &f), -1);  // header cut short
  off = 0;
  EXPECT_EQ(cpio_next(a.data(), 115, &off, &f), -1);  // file data cut short
  m = a;
  m[6 + 8] = 'g';  // not hex
  off = 0;
  EXPECT_EQ(cpio_next(m.data(), m.size(), &off, &f), -1);
  m = a;
  std::memcpy(&m[94], "FFFFFFFF", 8);  // name size past the end
  off = 0;
  EXPECT_EQ(cpio_next(m.data(), m.size(), &off, &f), -1);
  EXPECT_EQ(cpio_find(m.data(), m.size(), "hello", &f), -1);
}

// ---- the real initrd: mkcpio's archive of the real programs -----------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Initrd, EveryProgramIsAValidExecutable) {
  const std::string a = read_file(VMSIM_INITRD);
  ASSERT_FALSE(a.empty()) << VMSIM_INITRD;
  for (const char* name : {"compute", "seqscan", "ptrchase", "pagefault", "forkexec", "cow", "ctxswitch", "mmapchurn",
                           "mix", "child", "mixjob", "ktest"}) {
    cpio_file f{};
    ASSERT_EQ(cpio_find(a.data(), a.size(), name, &f), 1) << name;
    elf_info ei{};
    EXPECT_EQ(elf_parse(f.data, f.size, &ei), ELF_OK) << name;
    EXPECT_GE(ei.nsegs, 2u) << name;
  }
}

TEST(Initrd, MkcpioRoundTrips) {
  const std::string dir = ::testing::TempDir();
  const std::string in1 = dir + "/mkcpio_a", in2 = dir + "/mkcpio_b", out = dir + "/mkcpio_out.cpio";
  std::ofstream(in1, std::ios::binary) << "first file";
  std::ofstream(in2, std::ios::binary) << std::string(1001, 'z');
  const std::string cmd = std::string(VMSIM_MKCPIO) + " " + out + " one=" + in1 + " sub/two=" + in2;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string a = read_file(out);
  EXPECT_EQ(a.size() % 512, 0u);
  cpio_file f{};
  ASSERT_EQ(cpio_find(a.data(), a.size(), "one", &f), 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data), f.size), "first file");
  ASSERT_EQ(cpio_find(a.data(), a.size(), "/sub/two", &f), 1);
  EXPECT_EQ(f.size, 1001u);
  EXPECT_NE(std::system((std::string(VMSIM_MKCPIO) + " " + out + " bad 2>/dev/null").c_str()), 0);
}

}  // namespace
