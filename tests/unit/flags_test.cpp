// The two flag implementations of cpu/exec.h (portable, and the host-ALU one
// used on x86-64 hosts) must produce the same result and the same CF OF SF ZF
// AF PF for every operation and size.
#include <gtest/gtest.h>

#include <random>

#include "cpu/exec.h"

namespace vmsim::cpu {
namespace {

constexpr uint64_t kEdges[] = {0,          1,          2,          0x7F,       0x80,       0xFF,
                               0x7FFF,     0x8000,     0xFFFF,     0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                               0x0F,       0x10,       0x7FFFFFFFFFFFFFFFull,  0x8000000000000000ull,
                               ~0ull,      0x100000000ull};

template <int S> void check_all(std::mt19937_64& rng) {
#if VMSIM_HOST_FLAGS
  std::vector<uint64_t> vals(std::begin(kEdges), std::end(kEdges));
  for (int i = 0; i < 200; ++i) vals.push_back(rng());
  for (uint64_t a64 : vals) {
    for (uint64_t b64 : vals) {
      const U<S> a = static_cast<U<S>>(a64), b = static_cast<U<S>>(b64);
      for (unsigned carry = 0; carry < 2; ++carry) {
        uint64_t fp = 0, fh = 0;
        ASSERT_EQ(portable_flags::add<S>(a, b, carry, fp), host_flags::add<S>(a, b, carry, fh));
        ASSERT_EQ(fp, fh) << "add size " << S << " a=" << a64 << " b=" << b64 << " carry=" << carry;
        ASSERT_EQ(portable_flags::sub<S>(a, b, carry, fp), host_flags::sub<S>(a, b, carry, fh));
        ASSERT_EQ(fp, fh) << "sub size " << S << " a=" << a64 << " b=" << b64 << " borrow=" << carry;
      }
    }
    ASSERT_EQ(portable_flags::szp<S>(static_cast<U<S>>(a64)), host_flags::szp<S>(static_cast<U<S>>(a64))) << a64;
  }
#else
  (void)rng;
  GTEST_SKIP() << "no host flag implementation on this host";
#endif
}

TEST(Flags, HostMatchesPortable8) { std::mt19937_64 rng(1); check_all<1>(rng); }
TEST(Flags, HostMatchesPortable16) { std::mt19937_64 rng(2); check_all<2>(rng); }
TEST(Flags, HostMatchesPortable32) { std::mt19937_64 rng(3); check_all<4>(rng); }
TEST(Flags, HostMatchesPortable64) { std::mt19937_64 rng(4); check_all<8>(rng); }

// A few values worked out by hand from the SDM definitions, so the test does
// not only compare two implementations with each other.
TEST(Flags, KnownValues) {
  uint64_t f = 0;
  EXPECT_EQ(flag_impl::add<1>(0x7F, 1, 0, f), 0x80);
  EXPECT_EQ(f, fl::OF | fl::SF | fl::AF);  // 0x80 has one bit set: PF clear
  EXPECT_EQ(flag_impl::add<8>(~0ull, 1, 0, f), 0u);
  EXPECT_EQ(f, fl::CF | fl::ZF | fl::AF | fl::PF);
  EXPECT_EQ(flag_impl::sub<4>(0, 1, 0, f), 0xFFFFFFFFu);
  EXPECT_EQ(f, fl::CF | fl::SF | fl::AF | fl::PF);
  EXPECT_EQ(flag_impl::sub<2>(5, 4, 1, f), 0u);
  EXPECT_EQ(f, fl::ZF | fl::PF);
  EXPECT_EQ(flag_impl::add<2>(0xFFFF, 0, 1, f), 0u);
  EXPECT_EQ(f, fl::CF | fl::ZF | fl::AF | fl::PF);
  EXPECT_EQ(szp<8>(0x8000000000000003ull), fl::SF | fl::PF);
}

}  // namespace
}  // namespace vmsim::cpu
