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

void Cpu::mode_changed() {
  const bool lma = s.efer & (1u << 10);
  const bool pe = s.cr0 & 1;
  const bool cs_l = s.seg[CS].attr & (1u << 13);
  s.mode = lma && cs_l ? CpuMode::Long64 : lma ? CpuMode::Compat32 : CpuMode::Prot32;
  (void)pe;
  s.refresh_seg_bases();
  events_ |= kEventRefetch;
}

}  // namespace vmsim::cpu
