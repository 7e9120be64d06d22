// The MSRs a 64-bit kernel uses (SDM Vol. 4, table 2-2). The CPU owns EFER,
// the SYSCALL MSRs, FS/GS bases, KERNEL_GS_BASE, TSC, TSC_AUX and PAT; the
// local APIC's (APIC_BASE, the x2APIC range) belong to the platform. Any
// other MSR, or a value an MSR refuses, is #GP(0) (the caller raises it).
#include "cpu/msr.h"

#include "cpu/system.h"

namespace vmsim::cpu {

namespace {

bool is_platform_msr(uint32_t m) {
  return m == msr::kApicBase || (m >= msr::kX2apicFirst && m <= msr::kX2apicLast);
}

// SDM Vol. 3A, 12.12.2: each PAT entry is a memory type 0, 1, 4, 5, 6 or 7.
bool valid_pat(uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    const unsigned t = (v >> (i * 8)) & 0xFF;
    if (t == 2 || t == 3 || t > 7) return false;
  }
  return true;
}

}  // namespace

bool Cpu::read_msr(uint32_t m, uint64_t& v) {
  switch (m) {
    case msr::kTsc: v = tsc(); return true;
    case msr::kPat: v = s.pat; return true;
    case msr::kEfer: v = s.efer; return true;
    case msr::kStar: v = s.star; return true;
    case msr::kLstar: v = s.lstar; return true;
    case msr::kCstar: v = s.cstar; return true;
    case msr::kSfmask: v = s.sfmask; return true;
    case msr::kFsBase: v = s.seg[FS].base; return true;
    case msr::kGsBase: v = s.seg[GS].base; return true;
    case msr::kKernelGsBase: v = s.kernel_gs_base; return true;
    case msr::kTscAux:
      if (!features.rdtscp) return false;
      v = s.tsc_aux;
      return true;
    default: break;
  }
  if (!is_platform_msr(m)) return false;
  platform_changed();
  return platform_.rdmsr(m, v);
}

bool Cpu::write_msr(uint32_t m, uint64_t v) {
  switch (m) {
    case msr::kTsc:
      // SDM Vol. 3A, 18.17: a write sets the counter, which then runs on.
      tsc_offset = v - now();
      return true;
    case msr::kPat:
      if (!valid_pat(v)) return false;
      s.pat = v;
      return true;
    case msr::kEfer: {
      // SDM Vol. 3A, 2.2.1; Vol. 4, IA32_EFER: SCE, LME, NXE (as CPUID
      // advertises them); LMA is read-only (a write leaves it); changing LME
      // while paging is on is #GP.
      const uint64_t writable = efer_bit::LME | efer_bit::LMA | (features.syscall ? efer_bit::SCE : 0) |
                                (features.nx ? efer_bit::NXE : 0);
      if (v & ~writable) return false;
      if ((s.cr0 & cr0_bit::PG) && ((v ^ s.efer) & efer_bit::LME)) return false;
      const uint64_t next = (v & ~efer_bit::LMA) | (s.efer & efer_bit::LMA);
      if (next != s.efer) set_efer(next);
      return true;
    }
    case msr::kStar: s.star = v; return true;
    case msr::kLstar:
      if (!is_canonical(v)) return false;
      s.lstar = v;
      return true;
    case msr::kCstar:
      if (!is_canonical(v)) return false;
      s.cstar = v;
      return true;
    case msr::kSfmask:
      if (v >> 32) return false;  // bits 63:32 are reserved
      s.sfmask = v;
      return true;
    case msr::kFsBase:
    case msr::kGsBase:
      if (!is_canonical(v)) return false;
      s.seg[m == msr::kFsBase ? FS : GS].base = v;
      s.refresh_seg_bases();
      return true;
    case msr::kKernelGsBase:
      if (!is_canonical(v)) return false;
      s.kernel_gs_base = v;
      return true;
    case msr::kTscAux:
      if (!features.rdtscp || (v >> 32)) return false;
      s.tsc_aux = v;
      return true;
    default: break;
  }
  if (!is_platform_msr(m)) return false;
  platform_changed();
  return platform_.wrmsr(m, v);
}

}  // namespace vmsim::cpu
