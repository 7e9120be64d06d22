#include "cpu/cpuid.h"

#include <cstring>

namespace vmsim::cpu {

namespace {
constexpr uint32_t bit(unsigned n) { return 1u << n; }
uint32_t chars(const char* s) {
  uint32_t v;
  std::memcpy(&v, s, 4);
  return v;
}
}  // namespace

CpuidResult cpuid(const CpuFeatures& f, uint32_t leaf, uint32_t subleaf, uint32_t apic_id) {
  CpuidResult r;
  switch (leaf) {
    case 0:
      r.eax = 7;  // highest basic leaf
      r.ebx = chars("Genu");
      r.edx = chars("ineI");
      r.ecx = chars("ntel");
      break;
    case 1:
      r.eax = 0x000506E3;  // family 6, model 0x5E (Skylake client), stepping 3
      r.ebx = (8u << 8) | (1u << 16) | (apic_id << 24);  // 64-byte clflush line, 1 logical CPU
      r.ecx = bit(13)      // CMPXCHG16B
              | bit(23);   // POPCNT
      if (f.pcid) r.ecx |= bit(17);
      if (f.x2apic) r.ecx |= bit(21);
      r.edx = bit(4)       // TSC
              | bit(8)     // CMPXCHG8B
              | bit(15)    // CMOV
              | bit(19)    // CLFLUSH
              | bit(25)    // SSE (the subset vmsim implements; others raise #UD)
              | bit(26);   // SSE2 (likewise)
      if (f.msr) r.edx |= bit(5);
      if (f.pae) r.edx |= bit(6);
      if (f.apic) r.edx |= bit(9);
      if (f.pge) r.edx |= bit(13);
      if (f.pat) r.edx |= bit(16);
      break;
    case 7:
      if (subleaf == 0) {
        r.ebx = bit(3);  // BMI1 (andn, bextr, blsi, blsmsk, blsr, tzcnt)
        if (f.smep) r.ebx |= bit(7);
        if (f.invpcid) r.ebx |= bit(10);
        if (f.smap) r.ebx |= bit(20);
      }
      break;
    case 0x80000000:
      r.eax = 0x80000008;
      break;
    case 0x80000001:
      r.ecx = bit(0)    // LAHF/SAHF in 64-bit mode
              | bit(5); // LZCNT
      r.edx = bit(29);  // long mode
      if (f.syscall) r.edx |= bit(11);
      if (f.nx) r.edx |= bit(20);
      if (f.page1g) r.edx |= bit(26);
      if (f.rdtscp) r.edx |= bit(27);
      break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      static const char brand[49] = "vmsim interpreting x86-64 CPU                   ";
      const char* p = brand + (leaf - 0x80000002) * 16;
      r.eax = chars(p);
      r.ebx = chars(p + 4);
      r.ecx = chars(p + 8);
      r.edx = chars(p + 12);
      break;
    }
    case 0x80000008:
      r.eax = kPhysAddrBits | (48u << 8);
      break;
    default:
      break;  // unknown leaves read as zero
  }
  return r;
}

}  // namespace vmsim::cpu
