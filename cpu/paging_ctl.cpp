// The effects of paging-control instructions on the CPU's translation
// caches and on the MMU backend (SDM Vol. 3A, 4.10.4).
#include "cpu/cpu.h"

namespace vmsim::cpu {

void Cpu::set_cr0(uint64_t v) {
  s.cr0 = v;
  flush_fast_tlb();
}

void Cpu::set_cr3(uint64_t v) {
  s.cr3 = v;
  flush_fast_tlb();
}

void Cpu::set_cr4(uint64_t v) {
  s.cr4 = v;
  flush_fast_tlb();
}

void Cpu::set_efer(uint64_t v) {
  s.efer = v;
  flush_fast_tlb();
}

void Cpu::invlpg(uint64_t) { flush_fast_tlb(); }

void Cpu::invpcid(unsigned, uint16_t, uint64_t) { flush_fast_tlb(); }

void Cpu::set_cpl(uint8_t cpl) {
  s.cpl = cpl;
  events_ |= kEventRefetch;  // the fetch entries are per privilege level
}

// The mode follows EFER.LMA and CS.L (SDM Vol. 3A, 2.2 and 5.2.1): IA-32e
// mode runs 64-bit code when CS.L = 1 and compatibility mode otherwise.
// CR0.PE = 0 (real mode) and 16-bit code segments are not supported: the
// instruction handlers refuse to enter them (cpu/system.h).
void Cpu::mode_changed() {
  const bool lma = s.efer & efer_bit::LMA;
  const bool cs_l = s.seg[CS].attr & seg_attr::kL;
  const CpuMode m = lma && cs_l ? CpuMode::Long64 : lma ? CpuMode::Compat32 : CpuMode::Prot32;
  if (m != s.mode) {
    s.mode = m;
    // A fetch entry holds the code page decoded for the mode it was made in.
    for (auto& t : fast_)
      for (auto& e : t.fetch) e.tag = kInvalidTag;
  }
  s.refresh_seg_bases();
  events_ |= kEventRefetch;
}

}  // namespace vmsim::cpu
