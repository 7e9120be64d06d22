// CPUID: a GenuineIntel x86-64 baseline CPU that advertises exactly what vmsim
// implements (DESIGN §3). Identical in every MMU mode: the guest must not be
// able to tell the modes apart, so the hypervisor bit is never set.
#pragma once
#include <cstdint>

namespace vmsim::cpu {

struct CpuidResult {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// Features that depend on what the system-level CPU (and the MMU) implement.
// The defaults are what vmsim implements; a machine may turn some off.
// SMEP and SMAP are not implemented (CR4 refuses them while they are off).
struct CpuFeatures {
  bool msr = true;      // rdmsr/wrmsr
  bool apic = true;     // local APIC present (the machine's device)
  bool x2apic = true;
  bool pge = true;      // global pages
  bool pae = true;
  bool pat = true;
  bool nx = true;
  bool syscall = true;
  bool page1g = true;
  bool rdtscp = true;
  bool pcid = true;
  bool invpcid = true;
  bool smep = false;
  bool smap = false;
};

// MAXPHYADDR: 39 bits, as on the Skylake client core whose TLB geometry the
// TLB model copies (REFERENCES.md); linear addresses are 48 bits.
inline constexpr unsigned kPhysAddrBits = 39;

CpuidResult cpuid(const CpuFeatures& f, uint32_t leaf, uint32_t subleaf, uint32_t apic_id);

}  // namespace vmsim::cpu
