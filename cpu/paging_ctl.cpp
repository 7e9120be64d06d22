// The effects of paging-control instructions on the CPU's translation
// caches and on the MMU backend (SDM Vol. 3A, 4.10.4).
#include "cpu/cpu.h"

namespace vmsim::cpu {

// The rules are those of SDM Vol. 3A, 4.10.4.1 ("Operations that Invalidate
// TLBs and Paging-Structure Caches"). The model TLB's entries are tagged
// with VPID and PCID, the fast TLB is not: it mirrors only what the current
// PCID may use, so every change of CR3 or of what entries mean empties it
// (which is not a counted flush: the model's L1 refills it without a walk).

namespace {
constexpr uint64_t kCr0Pg = 1ull << 31, kCr0Wp = 1ull << 16, kCr0Pe = 1;
constexpr uint64_t kCr4Pge = 1ull << 7, kCr4Pcide = 1ull << 17, kCr4Pae = 1ull << 5;
constexpr uint64_t kEferNxe = 1ull << 11;
}  // namespace

void Cpu::set_cr0(uint64_t v) {
  const uint64_t old = s.cr0;
  s.cr0 = v;
  // Changing PG (or PE) invalidates every TLB entry and paging-structure
  // cache entry; WP only changes how cached rights apply, which the fast
  // TLB has baked in.
  if ((old ^ v) & (kCr0Pg | kCr0Pe)) {
    tlb_.flush_vpid(mmu_.vpid(), FlushCause::Cr0Write);
    mmu_.on_paging_mode_change(paging_state());
  }
  if ((old ^ v) & (kCr0Pg | kCr0Pe | kCr0Wp)) flush_fast_tlb();
}

void Cpu::set_cr3(uint64_t v) {
  const PagingState before = paging_state();
  bool flush = true;
  if (before.pcide()) {
    flush = !(v >> 63);       // bit 63: keep the new PCID's entries; it is not stored
    v &= ~(1ull << 63);
  }
  s.cr3 = v;
  const PagingState ps = paging_state();
  // Without PCIDs: all non-global entries (they all carry PCID 0). With
  // PCIDs: the non-global entries of the new PCID, unless bit 63 was set.
  if (flush) tlb_.flush_pcid(mmu_.vpid(), ps.pcid(), /*keep_global=*/true, FlushCause::Cr3Write);
  flush_fast_tlb();
  mmu_.on_cr3_load(ps, flush);
}

void Cpu::set_cr4(uint64_t v) {
  const uint64_t old = s.cr4;
  s.cr4 = v;
  // Changing PGE, turning PCIDE off, or changing PAE (paging mode) flushes
  // everything, global entries included.
  const bool pcide_off = (old & kCr4Pcide) && !(v & kCr4Pcide);
  if (((old ^ v) & (kCr4Pge | kCr4Pae)) || pcide_off) {
    tlb_.flush_vpid(mmu_.vpid(), FlushCause::Cr4Write);
    mmu_.on_paging_mode_change(paging_state());
  }
  if (old != v) flush_fast_tlb();
}

void Cpu::set_efer(uint64_t v) {
  const uint64_t old = s.efer;
  s.efer = v;
  // Cached entries carry the XD rights computed under the old NXE; with
  // paging on they no longer mean what they say.
  if (((old ^ v) & kEferNxe) && (s.cr0 & kCr0Pg)) {
    tlb_.flush_vpid(mmu_.vpid(), FlushCause::EferWrite);
    mmu_.on_paging_mode_change(paging_state());
  }
  if (old != v) flush_fast_tlb();
}

void Cpu::invlpg(uint64_t la) {
  // Entries for the page in the current PCID and global ones; a
  // non-canonical address invalidates nothing (and does not fault).
  const PagingState ps = paging_state();
  const bool canonical = static_cast<uint64_t>((static_cast<int64_t>(la) << 16) >> 16) == la;
  if (s.mode != CpuMode::Long64) la = static_cast<uint32_t>(la);
  if (canonical || s.mode != CpuMode::Long64)
    tlb_.flush_page(mmu_.vpid(), ps.pcid(), la, /*include_global=*/true, FlushCause::Invlpg);
  mmu_.on_invlpg(ps, la);
}

void Cpu::invpcid(unsigned type, uint16_t pcid, uint64_t la) {
  const uint16_t vpid = mmu_.vpid();
  switch (type) {
    case 0: tlb_.flush_page(vpid, pcid, la, /*include_global=*/false, FlushCause::Invpcid); break;
    case 1: tlb_.flush_pcid(vpid, pcid, /*keep_global=*/true, FlushCause::Invpcid); break;
    case 2: tlb_.flush_vpid(vpid, FlushCause::Invpcid); break;
    default: tlb_.flush_nonglobal(vpid, FlushCause::Invpcid); break;
  }
  flush_fast_tlb();
  mmu_.on_invpcid(paging_state(), type, pcid, la);
}

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
