// Unit tests of core/: the host frame pool, guest RAM, configuration, SHA-256.
#include <gtest/gtest.h>

#include <cstring>

#include "core/config.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/sha256.h"

namespace vmsim {
namespace {

TEST(HostMemory, FramesAreZeroedAndRecycled) {
  HostMemory host(16 * kPageSize);
  auto a = host.alloc_frame();
  ASSERT_TRUE(a);
  std::memset(host.frame_ptr(*a), 0xAB, kPageSize);
  EXPECT_EQ(host.frames_in_use(), 1u);
  host.free_frame(*a);
  EXPECT_EQ(host.frames_in_use(), 0u);
  auto b = host.alloc_frame();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, a->value);  // recycled first
  for (uint64_t i = 0; i < kPageSize; ++i) ASSERT_EQ(host.frame_ptr(*b)[i], 0);
  EXPECT_EQ(host.frames_peak(), 1u);
}

TEST(HostMemory, ExhaustionAndContiguousAlignment) {
  HostMemory host(1024 * kPageSize);
  auto one = host.alloc_frame();
  auto run = host.alloc_contiguous(512);
  ASSERT_TRUE(one && run);
  EXPECT_EQ(run->value % 512, 0u);
  EXPECT_FALSE(host.alloc_contiguous(512));  // 1024 frames cannot hold a second aligned run
  EXPECT_EQ(host.frames_in_use(), 513u);
  uint64_t n = 0;
  while (host.alloc_frame()) ++n;
  EXPECT_EQ(n, 1024u - 513u);  // the gap before the run was recycled
}

TEST(GuestRam, BacksLazilyAndKnowsHoles) {
  HostMemory host(64 * kPageSize);
  GuestRam ram(host, 32 * kPageSize);
  ram.add_hole(Gpa(8 * kPageSize), kPageSize);
  EXPECT_EQ(host.frames_in_use(), 0u);
  uint8_t* p = ram.host_ptr(Gpa(3 * kPageSize + 5));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(host.frames_in_use(), 1u);
  EXPECT_EQ(ram.host_ptr(Gpa(3 * kPageSize + 5)), p);  // stable
  EXPECT_EQ(ram.host_ptr(Gpa(8 * kPageSize)), nullptr);   // hole
  EXPECT_EQ(ram.host_ptr(Gpa(32 * kPageSize)), nullptr);  // beyond RAM
  EXPECT_EQ(ram.host_faults(), 1u);
}

TEST(GuestRam, LargeGranuleBacksContiguously) {
  HostMemory host(2048 * kPageSize);
  GuestRam ram(host, 1024 * kPageSize, PageSize::k2M);
  Hfn a, b;
  ASSERT_TRUE(ram.back(Gfn(3), a));
  ASSERT_TRUE(ram.back(Gfn(511), b));
  EXPECT_EQ(b.value - a.value, 508u);
  EXPECT_EQ(host.frames_in_use(), 512u);
  EXPECT_EQ(ram.host_faults(), 1u);
}

TEST(GuestRam, ExhaustedPoolThrows) {
  HostMemory host(2 * kPageSize);
  GuestRam ram(host, 16 * kPageSize);
  Hfn h;
  ASSERT_TRUE(ram.back(Gfn(0), h));
  ASSERT_TRUE(ram.back(Gfn(1), h));
  EXPECT_THROW(ram.back(Gfn(2), h), HostMemoryExhausted);
}

TEST(Config, DefaultsSetAndErrorsNameTheKey) {
  Config c;
  EXPECT_EQ(c.get_int("memory.guest_mib"), 256);
  c.set_assignment("memory.guest_mib=512");
  EXPECT_EQ(c.get_int("memory.guest_mib"), 512);
  c.set("memory.guest_mib", "0x100");
  EXPECT_EQ(c.get_int("memory.guest_mib"), 256);
  try {
    c.set("memory.guest_mb", "1");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("memory.guest_mb"), std::string::npos);
  }
  try {
    c.set("memory.guest_mib", "lots");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("memory.guest_mib"), std::string::npos);
  }
  EXPECT_THROW(c.set("memory.guest_mib", "1"), ConfigError);  // below the minimum
  EXPECT_THROW(c.set_assignment("memory.guest_mib"), ConfigError);
}

TEST(Config, JsonRoundTripNestedAndDotted) {
  Config a;
  a.set("memory.guest_mib", "1024");
  Config b;
  b.load_json(a.to_json());  // a result's config is valid input
  EXPECT_EQ(b.get_int("memory.guest_mib"), 1024);
  Config c;
  c.load_json(nlohmann::json{{"memory.host_mib", 2048}});
  EXPECT_EQ(c.get_int("memory.host_mib"), 2048);
  EXPECT_THROW(c.load_json(nlohmann::json{{"memory", {{"guest_mib", "x"}}}}), ConfigError);
  EXPECT_THROW(c.load_json(nlohmann::json{{"memory", {{"guest_mib", true}}}}), ConfigError);
  EXPECT_THROW(c.load_json(nlohmann::json{{"nosuch", 1}}), ConfigError);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256().hex_digest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("abc", 3);
  EXPECT_EQ(h.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 m;
  const char* s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (const char* p = s; *p; ++p) m.update(p, 1);  // byte by byte across blocks
  EXPECT_EQ(m.hex_digest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace vmsim
