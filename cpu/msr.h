// Model-specific register numbers (SDM Vol. 4, table 2-2).
#pragma once
#include <cstdint>

namespace vmsim::cpu::msr {
inline constexpr uint32_t kTsc = 0x10;
inline constexpr uint32_t kApicBase = 0x1B;
inline constexpr uint32_t kPat = 0x277;
inline constexpr uint32_t kX2apicFirst = 0x800;
inline constexpr uint32_t kX2apicLast = 0x8FF;
inline constexpr uint32_t kEfer = 0xC0000080;
inline constexpr uint32_t kStar = 0xC0000081;
inline constexpr uint32_t kLstar = 0xC0000082;
inline constexpr uint32_t kCstar = 0xC0000083;
inline constexpr uint32_t kSfmask = 0xC0000084;
inline constexpr uint32_t kFsBase = 0xC0000100;
inline constexpr uint32_t kGsBase = 0xC0000101;
inline constexpr uint32_t kKernelGsBase = 0xC0000102;
inline constexpr uint32_t kTscAux = 0xC0000103;
}  // namespace vmsim::cpu::msr
