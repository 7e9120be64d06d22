#include "core/native_mmu.h"

#include <cstring>

namespace vmsim {

NativeMmu::NativeMmu(GuestRam& ram, bool pwc, const PwcGeometry& g) : ram_(ram) {
  if (pwc) pwc_ = std::make_unique<Pwc>(g);
}

bool NativeMmu::translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) {
  const uint64_t va = req.va.value;
  if (!ps.paging()) {
    // Paging off: linear = physical, no walk.
    const uint64_t pa = va & ~kPageMask;
    out = Translation{Gva(pa), PageSize::k4K, pa, ram_.host_ptr(Gpa(pa)), true, true, false, false, true, false};
    return true;
  }
  const paging::WalkControl wc{req.kind, req.user, ps.wp(), ps.nxe()};
  GuestRamTables tables{ram_};
  paging::WalkStart start;
  const bool hit = pwc_ && pwc_->lookup(0, ps.pcid(), va, start);
  const paging::WalkOutcome w = paging::walk(tables, ps.cr3, va, wc, hit ? &start : nullptr);
  walks_.record(w.refs, 0);
  if (hit) ++walks_.pwc_hits;
  if (!w.ok) {
    fault = PageFault{w.error, req.va};
    return false;
  }
  if (pwc_) pwc_->fill(0, ps.pcid(), va, w, hit ? start.level : 4);
  const uint64_t page_va = va & ~(page_bytes(w.size) - 1);
  out.page_va = Gva(page_va);
  out.size = w.size;
  out.pbase = w.pbase;
  out.host = ram_.host_ptr(Gpa(w.pbase + ((va - page_va) & ~kPageMask)));
  out.writable = w.writable;
  out.user = w.user;
  out.nx = w.nx;
  out.global = w.global && ps.pge();
  out.dirty = w.dirty;
  out.watch_writes = false;
  return true;
}

void NativeMmu::on_cr3_load(const PagingState& ps, bool flushed) {
  if (pwc_ && flushed) pwc_->flush_pcid(0, ps.pcid());
}

void NativeMmu::on_invlpg(const PagingState& ps, uint64_t) {
  // INVLPG invalidates all paging-structure-cache entries of the current
  // PCID, whatever their linear address (SDM 4.10.4.1).
  if (pwc_) pwc_->flush_pcid(0, ps.pcid());
}

void NativeMmu::on_invpcid(const PagingState&, unsigned type, uint16_t pcid, uint64_t) {
  if (!pwc_) return;
  if (type <= 1) pwc_->flush_pcid(0, pcid);
  else pwc_->flush_all();
}

void NativeMmu::on_paging_mode_change(const PagingState&) {
  if (pwc_) pwc_->flush_all();
}

unsigned guest_walk_refs(GuestRam& ram, uint64_t cr3, uint64_t la) {
  unsigned refs = 0;
  uint64_t table = cr3 & paging::kAddrMask;
  for (unsigned level = 4; level >= 1; --level) {
    ++refs;
    const uint8_t* p = ram.host_ptr(Gpa(table + 8ull * paging::index_at(la, level)));
    if (!p) break;
    uint64_t e;
    std::memcpy(&e, p, sizeof e);
    if (!(e & paging::kP) || level == 1 || (e & paging::kPS)) break;
    table = e & paging::kAddrMask;
  }
  return refs;
}

}  // namespace vmsim
