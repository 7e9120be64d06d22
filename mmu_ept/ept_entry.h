// The EPT entry and EPTP formats (SDM Vol. 3C, 29.3.2 and 25.6.11).
#pragma once
#include <cstdint>

#include "core/paging.h"

namespace vmsim::ept {

// Entry bits (SDM Vol. 3C, Tables 29-1 to 29-6).
inline constexpr uint64_t kR = 1ull << 0;
inline constexpr uint64_t kW = 1ull << 1;
inline constexpr uint64_t kX = 1ull << 2;
inline constexpr uint64_t kRwx = kR | kW | kX;
inline constexpr uint64_t kMemTypeShift = 3;           // bits 5:3 of a leaf
inline constexpr uint64_t kMemTypeWb = 6ull << kMemTypeShift;
inline constexpr uint64_t kIgnorePat = 1ull << 6;
inline constexpr uint64_t kLarge = 1ull << 7;          // a 2 MiB or 1 GiB leaf
inline constexpr uint64_t kA = 1ull << 8;              // with EPTP[6] (29.3.5)
inline constexpr uint64_t kD = 1ull << 9;              // leaves only
inline constexpr uint64_t kAddrMask = paging::kAddrMask;

// An entry is not present when R, W and X are all clear (29.3.3.1: an EPT
// violation). Write without read is a misconfiguration (29.3.3.1: an EPT
// misconfiguration exit), which is how MMIO ranges are marked so that the
// device model sees every access.
inline bool present(uint64_t e) { return (e & kRwx) != 0; }
inline bool misconfigured(uint64_t e) { return (e & (kR | kW)) == kW; }
inline constexpr uint64_t kMmioEntry = kW;

inline uint64_t table_entry(uint64_t hpa) { return (hpa & kAddrMask) | kRwx; }
inline uint64_t leaf_entry(uint64_t hpa, bool large) {
  return (hpa & kAddrMask) | kRwx | kMemTypeWb | kIgnorePat | (large ? kLarge : 0);
}

// EPTP (25.6.11): memory type WB in bits 2:0, page-walk length minus one in
// bits 5:3 (4 levels), A/D enable in bit 6, the PML4 table's address above.
inline uint64_t make_eptp(uint64_t pml4_hpa, bool ad) {
  return (pml4_hpa & kAddrMask) | 6 | (3ull << 3) | (ad ? 1ull << 6 : 0);
}

}  // namespace vmsim::ept
