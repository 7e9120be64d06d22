// The two-dimensional hardware walk (SDM Vol. 3C, 29.3.2; Bhargava et al.,
// "Accelerating Two-Dimensional Page Walks for Virtualized Systems", ASPLOS
// 2008): the guest's 4-level walk where each guest table address is itself
// translated through the EPT, then the final GPA too — n·m + n + m references
// cold. Guest paging events take no exits.
#include <cstring>
#include <stdexcept>

#include "core/native_mmu.h"
#include "core/tlb.h"
#include "mmu_ept/ept_entry.h"
#include "mmu_ept/ept_mmu.h"

namespace vmsim {

// The guest walker's TableMemory: each guest table entry's GPA goes through
// the nested TLB or the EPT; an EPT violation aborts the guest walk.
struct EptMmu::TwoDTables {
  EptMmu& mmu;
  uint64_t gva;
  unsigned ept_refs = 0;
  EptViolation v;
  uint64_t floating = ~0ull;
  uint64_t* entry(uint64_t gpa, unsigned) { return mmu.guest_table_entry(*this, gpa); }
};

uint64_t* EptMmu::guest_table_entry(TwoDTables& t, uint64_t gpa) {
  const uint64_t gfn = gpa >> kPageShift;
  NestedEntry& n = nested_[gfn % kNestedTlbEntries];
  if (opt_.nested_tlb && n.gfn == gfn) {
    ++walks_.nested_tlb_hits;
    return reinterpret_cast<uint64_t*>(host_.ptr(Hpa((n.hfn << kPageShift) | (gpa & kPageMask))));
  }
  // SDM 29.3.5: with EPT A/D flags on, the guest's paging-structure
  // accesses count as writes for the EPT.
  const EptWalk r = ept_walk(gpa, opt_.ad_bits);
  t.ept_refs += r.refs;
  if (r.status == EptStatus::Violation) {
    t.v = EptViolation{true, false, false, true, false, gpa, t.gva};
    return nullptr;
  }
  if (r.status == EptStatus::Misconfig) {
    // A guest table outside RAM reads as all ones, as under native.
    t.floating = ~0ull;
    return &t.floating;
  }
  if (opt_.nested_tlb) n = NestedEntry{gfn, r.hpa >> kPageShift};
  return reinterpret_cast<uint64_t*>(host_.ptr(Hpa(r.hpa)));
}

uint8_t* EptMmu::host_of(uint64_t hpa) {
  const uint64_t hfn = hpa >> kPageShift;
  if (hfn >= guest_hfn_.size() || !guest_hfn_[hfn]) return nullptr;
  return host_.frame_ptr(Hfn(hfn));
}

// Without VPID, VM entries and exits invalidate the combined mappings and
// paging-structure caches of VPID 0 (SDM Vol. 3C, 29.4.3.3 / 28.3.3.3); the
// guest-physical ones (EPT PWC, nested TLB) are tagged by EPTP and stay.
void EptMmu::sync_with_exits() {
  const uint64_t exits = vmx_.stats().exits;
  if (exits == exits_seen_) return;
  exits_seen_ = exits;
  if (!vmx_.vpid_enabled() && guest_pwc_) guest_pwc_->flush_all();
}

void EptMmu::mmio_translation(uint64_t va, uint64_t gpa, Translation& out) const {
  // The TLB keeps the GPA for a device page: the CPU's MMIO path needs it,
  // and host_of never answers for it.
  out.page_va = Gva(va & ~kPageMask);
  out.size = PageSize::k4K;
  out.pbase = gpa & ~kPageMask;
  out.host = nullptr;
}

bool EptMmu::translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) {
  const uint64_t va = req.va.value;
  const bool write = req.kind == Access::Write;
  // Every violation installs a mapping, so a walk needs at most one retry
  // per guest level plus the final access.
  for (unsigned attempt = 0; attempt < 8; ++attempt) {
    sync_with_exits();
    paging::WalkOutcome w;
    uint64_t gpa = va & ~kPageMask;
    unsigned ept_refs = 0;
    if (ps.paging()) {
      const paging::WalkControl wc{req.kind, req.user, ps.wp(), ps.nxe()};
      TwoDTables t{*this, va, 0, {}, ~0ull};
      paging::WalkStart start;
      const bool hit = guest_pwc_ && guest_pwc_->lookup(vpid(), ps.pcid(), va, start);
      if (hit) ++walks_.pwc_hits;
      w = paging::walk(t, ps.cr3, va, wc, hit ? &start : nullptr);
      if (w.aborted) {
        // The faulting walk counts what it read; the retry is a new walk.
        walks_.record(w.refs - 1, t.ept_refs);
        violation(t.v);
        continue;
      }
      if (!w.ok) {
        walks_.record(w.refs, t.ept_refs);
        fault = PageFault{w.error, req.va};
        return false;
      }
      if (guest_pwc_) guest_pwc_->fill(vpid(), ps.pcid(), va, w, hit ? start.level : 4);
      gpa = w.pbase + (va & (page_bytes(w.size) - 1));
      ept_refs = t.ept_refs;
    } else {
      // Paging off: linear = guest-physical; only the EPT is walked.
      w.size = PageSize::k4K;
      w.writable = w.user = w.dirty = true;
    }
    const EptWalk r = ept_walk(gpa, write);
    walks_.record(w.refs, ept_refs + r.refs);
    if (r.status == EptStatus::Violation) {
      violation(EptViolation{req.kind == Access::Read, write, req.kind == Access::Fetch, ps.paging(), true, gpa, va});
      continue;
    }
    out.writable = w.writable;
    out.user = w.user;
    out.nx = w.nx;
    out.global = w.global && ps.pge();
    out.dirty = w.dirty;
    out.watch_writes = false;
    if (r.status == EptStatus::Misconfig) {
      mmio_translation(va, gpa, out);
      return true;
    }
    // A TLB entry caches the smaller of the two page sizes.
    out.size = w.size < r.size ? w.size : r.size;
    const uint64_t mask = page_bytes(out.size) - 1;
    out.page_va = Gva(va & ~mask);
    out.pbase = r.hpa - (gpa & mask);
    out.host = host_.ptr(Hpa(r.hpa & ~kPageMask));
    return true;
  }
  throw std::logic_error("EPT: a violation did not make progress");
}

void EptMmu::on_cr3_load(const PagingState& ps, bool flushed) {
  if (guest_pwc_ && flushed) guest_pwc_->flush_pcid(vpid(), ps.pcid());
}

void EptMmu::on_invlpg(const PagingState& ps, uint64_t) {
  if (guest_pwc_) guest_pwc_->flush_pcid(vpid(), ps.pcid());
}

void EptMmu::on_invpcid(const PagingState&, unsigned type, uint16_t pcid, uint64_t) {
  if (!guest_pwc_) return;
  if (type <= 1) guest_pwc_->flush_pcid(vpid(), pcid);
  else guest_pwc_->flush_vpid(vpid());
}

void EptMmu::on_paging_mode_change(const PagingState&) {
  if (guest_pwc_) guest_pwc_->flush_vpid(vpid());
}

// An access to a misconfigured (device) page: an EPT_MISCONFIG exit. The
// hypervisor's emulator decodes the instruction and walks the guest's tables
// in software to find the operand, which is counted apart from hardware walks.
void EptMmu::on_mmio_access(const PagingState& ps, uint64_t la, uint64_t) {
  vmx_.trap(TrapKind::Mmio, ExitReason::EptMisconfig);
  if (ps.paging()) vmx_.soft_walk(guest_walk_refs(ram_, ps.cr3, la));
}

}  // namespace vmsim
