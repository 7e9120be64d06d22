// CPUID: a GenuineIntel x86-64 baseline CPU that advertises exactly what vmsim
// implements (DESIGN §3). Identical in every MMU mode: the guest must not be
// able to tell the modes apart, so the hypervisor bit is never set.
#pragma once
#include <cstdint>

namespace vmsim::cpu {

struct CpuidResult {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// Features that depend on what the system-level CPU implements.
struct CpuFeatures {
  bool msr = false;     // rdmsr/wrmsr
  bool apic = false;    // local APIC present
  bool x2apic = false;
  bool pge = false;     // global pages
  bool pae = false;
  bool pat = false;
  bool nx = false;
  bool syscall = false;
  bool page1g = false;
  bool rdtscp = false;
  bool pcid = false;
  bool invpcid = false;
  bool smep = false;
  bool smap = false;
};

// MAXPHYADDR: 39 bits, as on the Skylake client core whose TLB geometry the
// TLB model copies (REFERENCES.md); linear addresses are 48 bits.
inline constexpr unsigned kPhysAddrBits = 39;

CpuidResult cpuid(const CpuFeatures& f, uint32_t leaf, uint32_t subleaf, uint32_t apic_id);

}  // namespace vmsim::cpu
