// Strong address types and the basic vocabulary of paging.
// A Gva, a Gpa and an Hpa are different things: the compiler keeps them apart
// (STYLE: "a frame number is not an address").
#pragma once
#include <compare>
#include <cstdint>

namespace vmsim {

inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = 1ull << kPageShift;
inline constexpr uint64_t kPageMask = kPageSize - 1;

template <class Tag>
struct Address {
  uint64_t value = 0;
  constexpr Address() = default;
  constexpr explicit Address(uint64_t v) : value(v) {}
  constexpr uint64_t frame() const { return value >> kPageShift; }
  constexpr uint64_t offset() const { return value & kPageMask; }
  constexpr Address page_base() const { return Address(value & ~kPageMask); }
  constexpr Address operator+(uint64_t d) const { return Address(value + d); }
  constexpr auto operator<=>(const Address&) const = default;
};

struct GvaTag {};
struct GpaTag {};
struct HpaTag {};
using Gva = Address<GvaTag>;  // guest-virtual (linear) address
using Gpa = Address<GpaTag>;  // guest-physical address
using Hpa = Address<HpaTag>;  // host-physical address (a frame of the host pool)

// Frame numbers, distinct from addresses.
struct Gfn {
  uint64_t value = 0;
  constexpr explicit Gfn(uint64_t v = 0) : value(v) {}
  constexpr Gpa addr() const { return Gpa(value << kPageShift); }
  constexpr auto operator<=>(const Gfn&) const = default;
};
struct Hfn {
  uint64_t value = 0;
  constexpr explicit Hfn(uint64_t v = 0) : value(v) {}
  constexpr Hpa addr() const { return Hpa(value << kPageShift); }
  constexpr auto operator<=>(const Hfn&) const = default;
};

enum class PageSize : uint8_t { k4K = 0, k2M = 1, k1G = 2 };
constexpr uint64_t page_bytes(PageSize s) {
  return s == PageSize::k4K ? (1ull << 12) : s == PageSize::k2M ? (1ull << 21) : (1ull << 30);
}
constexpr const char* page_size_name(PageSize s) {
  return s == PageSize::k4K ? "4k" : s == PageSize::k2M ? "2m" : "1g";
}

// The kind of a memory access, as the page walker and #PF error code see it.
enum class Access : uint8_t { Read = 0, Write = 1, Fetch = 2 };

}  // namespace vmsim
