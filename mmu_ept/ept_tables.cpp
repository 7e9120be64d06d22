// The EPT itself: its 4-level tables in host frames, the EPT dimension of the
// hardware walk, lazy population on violations, and INVEPT.
#include <stdexcept>

#include "core/tlb.h"
#include "mmu_ept/ept_entry.h"
#include "mmu_ept/ept_mmu.h"

namespace vmsim {

namespace {
constexpr unsigned level_of(PageSize s) { return s == PageSize::k4K ? 1 : s == PageSize::k2M ? 2 : 3; }
constexpr PageSize size_at(unsigned level) {
  return level == 1 ? PageSize::k4K : level == 2 ? PageSize::k2M : PageSize::k1G;
}
}  // namespace

EptMmu::EptMmu(Vmx& vmx, GuestRam& ram, HostMemory& host, const EptOptions& o)
    : vmx_(vmx), ram_(ram), host_(host), opt_(o), guest_hfn_(host.frames_total(), 0) {
  auto root = host_.alloc_frame();
  if (!root) throw HostMemoryExhausted("the host frame pool is exhausted");
  pml4_ = root->addr().value;
  ept_pages_ = ept_pages_peak_ = 1;
  eptp_ = ept::make_eptp(pml4_, o.ad_bits);
  if (o.pwc) {
    guest_pwc_ = std::make_unique<Pwc>(o.geometry);
    ept_pwc_ = std::make_unique<Pwc>(o.geometry);
  }
}

uint64_t* EptMmu::table_at(uint64_t table_hpa, uint64_t gpa, unsigned level) const {
  return reinterpret_cast<uint64_t*>(host_.ptr(Hpa(table_hpa + 8ull * paging::index_at(gpa, level))));
}

// The EPT dimension of a walk (SDM Vol. 3C, 29.3.2), shortened by the EPT
// paging-structure cache (keyed by GPA). Each entry read is one reference.
EptMmu::EptWalk EptMmu::ept_walk(uint64_t gpa, bool write) {
  EptWalk r;
  paging::WalkStart start;
  const bool hit = ept_pwc_ && ept_pwc_->lookup(0, 0, gpa, start);
  if (hit) ++walks_.pwc_hits;
  const unsigned first = hit ? start.level : 4;
  uint64_t table = hit ? start.table : pml4_;
  paging::WalkOutcome cached;  // what the EPT PWC remembers of this walk
  uint64_t* used[4] = {};
  unsigned level = first;
  uint64_t e = 0;
  for (;; --level) {
    uint64_t* p = table_at(table, gpa, level);
    ++r.refs;
    e = *p;
    used[first - level] = p;
    if (!ept::present(e)) {
      r.status = EptStatus::Violation;
      return r;
    }
    if (ept::misconfigured(e)) {
      r.status = EptStatus::Misconfig;
      return r;
    }
    if (level == 1 || (e & ept::kLarge)) break;
    table = e & ept::kAddrMask;
    cached.next_table[level] = table;
    cached.rights_at[level] = paging::kRightW | paging::kRightU;
  }
  r.size = size_at(level);
  const uint64_t mask = page_bytes(r.size) - 1;
  r.hpa = ((e & ept::kAddrMask) & ~mask) | (gpa & mask);
  if (opt_.ad_bits) {
    // SDM 29.3.5: the processor sets A in every entry it uses, D in the leaf
    // on a write.
    for (unsigned i = 0; i <= first - level; ++i) *used[i] |= ept::kA;
    if (write) *used[first - level] |= ept::kD;
  }
  if (ept_pwc_) {
    cached.leaf_level = level;
    ept_pwc_->fill(0, 0, gpa, cached, first);
  }
  return r;
}

// Link the tables down to 'level' and write the leaf there. False when a
// present entry is in the way (a smaller mapping already covers part of it).
bool EptMmu::install_leaf(uint64_t gpa, unsigned level, uint64_t entry) {
  uint64_t table = pml4_;
  for (unsigned l = 4; l > level; --l) {
    uint64_t* p = table_at(table, gpa, l);
    if (!ept::present(*p)) {
      auto f = host_.alloc_frame();
      if (!f) throw HostMemoryExhausted("the host frame pool is exhausted");
      *p = ept::table_entry(f->addr().value);
      if (++ept_pages_ > ept_pages_peak_) ept_pages_peak_ = ept_pages_;
    } else if (*p & ept::kLarge) {
      return false;
    }
    table = *p & ept::kAddrMask;
  }
  uint64_t* leaf = table_at(table, gpa, level);
  if (ept::present(*leaf)) return false;
  *leaf = entry;
  return true;
}

// The guest frames [gfn0, gfn0+frames), which hold 'gfn', are RAM backed by
// one aligned run of host frames starting at hfn0. Backs 'gfn' only (with
// its granule), never another frame.
bool EptMmu::host_contiguous(uint64_t gfn0, uint64_t frames, uint64_t gfn, uint64_t& hfn0) {
  for (uint64_t i = 0; i < frames; ++i)
    if (!ram_.is_ram(Gfn(gfn0 + i))) return false;
  Hfn h;
  if (!ram_.back(Gfn(gfn), h) || h.value < gfn - gfn0) return false;
  hfn0 = h.value - (gfn - gfn0);
  if (hfn0 & (frames - 1)) return false;
  for (uint64_t i = 0; i < frames; ++i) {
    Hfn hi;
    if (!ram_.is_backed(Gfn(gfn0 + i)) || !ram_.back(Gfn(gfn0 + i), hi) || hi.value != hfn0 + i) return false;
  }
  return true;
}

// The EPT-violation handler: back the guest frame (a host page fault on
// first touch) and map it with the largest leaf ept.page_size allows whose
// whole GPA range is RAM backed contiguously. A GPA that is not RAM gets a
// misconfigured entry, so that every later access is an MMIO exit.
void EptMmu::install(uint64_t gpa) {
  const uint64_t gfn = gpa >> kPageShift;
  if (!ram_.is_ram(Gfn(gfn))) {
    install_leaf(gpa, 1, (gpa & ept::kAddrMask) | ept::kMmioEntry);
    return;
  }
  for (unsigned level = level_of(opt_.page_size); level > 1; --level) {
    const uint64_t frames = page_bytes(size_at(level)) >> kPageShift;
    const uint64_t gfn0 = gfn & ~(frames - 1);
    uint64_t hfn0 = 0;
    if (!host_contiguous(gfn0, frames, gfn, hfn0)) continue;
    if (!install_leaf(gpa, level, ept::leaf_entry(hfn0 << kPageShift, true))) continue;
    for (uint64_t i = 0; i < frames; ++i) guest_hfn_[hfn0 + i] = 1;
    return;
  }
  Hfn h;
  ram_.back(Gfn(gfn), h);
  if (!install_leaf(gpa, 1, ept::leaf_entry(h.addr().value, false)))
    throw std::logic_error("EPT violation on a GPA the EPT already maps");
  guest_hfn_[h.value] = 1;
}

void EptMmu::violation(const EptViolation& v) {
  ++violations_;
  last_violation_ = v;
  if (hook_) hook_(v);
  vmx_.trap(TrapKind::EptFill, ExitReason::EptViolation);
  install(v.gpa);
}

bool EptMmu::mapping_of(uint64_t gpa, uint64_t& hpa, PageSize& size) {
  uint64_t table = pml4_;
  for (unsigned level = 4;; --level) {
    const uint64_t e = *table_at(table, gpa, level);
    if (!ept::present(e) || ept::misconfigured(e)) return false;
    if (level == 1 || (e & ept::kLarge)) {
      size = size_at(level);
      const uint64_t mask = page_bytes(size) - 1;
      hpa = ((e & ept::kAddrMask) & ~mask) | (gpa & mask);
      return true;
    }
    table = e & ept::kAddrMask;
  }
}

void EptMmu::unmap(uint64_t gpa) {
  uint64_t table = pml4_;
  for (unsigned level = 4;; --level) {
    uint64_t* p = table_at(table, gpa, level);
    if (!ept::present(*p)) return;
    if (level == 1 || (*p & ept::kLarge) || ept::misconfigured(*p)) {
      *p = 0;
      break;
    }
    table = *p & ept::kAddrMask;
  }
  invept();
}

void EptMmu::invept() {
  ++invepts_;
  if (tlb_) tlb_->flush_all(FlushCause::Invept);
  if (guest_pwc_) guest_pwc_->flush_all();
  if (ept_pwc_) ept_pwc_->flush_all();
  nested_.fill(NestedEntry{});
}

}  // namespace vmsim
