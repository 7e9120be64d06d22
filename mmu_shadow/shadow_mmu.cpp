// The shadow backend's TLB-miss path: the hardware walk of the shadow tables,
// and the hidden page fault that fills them from the guest's tables or
// injects the guest's own #PF. Paging-control exits are at the end.
#include "mmu_shadow/shadow_mmu.h"

#include <cstring>

#include "core/native_mmu.h"
#include "core/tlb.h"

namespace vmsim {

using namespace shadow;
namespace pg = paging;

namespace {
constexpr uint32_t kNoGfn = ~0u;
}

ShadowMmu::ShadowMmu(Vmx& vmx, GuestRam& ram, HostMemory& host, const ShadowOptions& opt)
    : vmx_(vmx), ram_(ram), host_(host), opt_(opt), handouts_(ram.bytes() >> kPageShift), gfn_of_hfn_(host.frames_total(), kNoGfn) {
  if (opt.pwc) pwc_ = std::make_unique<Pwc>(opt.pwc_geometry);
}

ShadowMmu::~ShadowMmu() {
  for (auto& [key, sp] : pages_) delete sp;
}

uint8_t* ShadowMmu::host_of(uint64_t pa) {
  const uint64_t hfn = pa >> kPageShift;
  if (hfn >= gfn_of_hfn_.size() || gfn_of_hfn_[hfn] == kNoGfn) return nullptr;
  return host_.frame_ptr(Hfn(hfn));
}

// The host frame behind a guest frame (backing it on first touch), and the
// reverse map that lets a watched write name its guest frame.
bool ShadowMmu::host_frame(uint64_t gfn, uint64_t& hpa) {
  Hfn h;
  if (!ram_.back(Gfn(gfn), h)) return false;
  gfn_of_hfn_[h.value] = static_cast<uint32_t>(gfn);
  hpa = h.value << kPageShift;
  return true;
}

Role ShadowMmu::role_for(const PagingState& ps) const {
  Role r;
  r.level = 4;
  r.wp = ps.wp();
  r.nxe = ps.nxe();
  r.smep = (ps.cr4 >> 20) & 1;
  return r;
}

// The CPU's walk of the shadow table: a one-dimensional walk over host
// frames. Shadow paging runs the real CPU with CR0.WP=1 (the hypervisor
// must see supervisor writes to write-protected frames), so a read-only
// spte never permits a write.
ShadowMmu::HardwareWalk ShadowMmu::hardware_walk(const PagingState& ps, ShadowPage* sp, uint64_t va,
                                                 const AccessRequest& req) {
  HardwareWalk hw;
  unsigned level = 4;
  pg::WalkStart start;
  if (pwc_ && pwc_->lookup(vpid(), ps.pcid(), va, start)) {
    ++walks_.pwc_hits;
    level = start.level;
    sp = reinterpret_cast<ShadowPage*>(start.table);
  }
  const unsigned first = level;
  pg::WalkOutcome path;  // the non-leaf entries walked, for the caches
  path.leaf_level = 1;
  for (;; --level) {
    const unsigned i = pg::index_at(va, level);
    const uint64_t e = sp->spt[i];
    ++hw.refs;
    if (level > 1) {
      if (!(e & pg::kP)) return hw;
      sp = sp->child[i];
      path.next_table[level] = reinterpret_cast<uint64_t>(sp);
      path.rights_at[level] = pg::kRightW | pg::kRightU;  // rights are folded into the leaf sptes
      continue;
    }
    if (pwc_ && first > 1) pwc_->fill(vpid(), ps.pcid(), va, path, first);
    hw.leaf_table = sp;
    hw.spte = e;
    if (!(e & (pg::kP | kSpteMmio))) return hw;
    bool ok = !req.user || (e & pg::kUS);
    if (req.kind == Access::Write) ok = ok && (e & pg::kRW);
    if (req.kind == Access::Fetch) ok = ok && !(e & pg::kNX);
    hw.permitted = ok;
    return hw;
  }
}

// Without VPID every VM exit and entry flushes the paging-structure caches
// along with the TLB (SDM Vol. 3C, 28.3.3.3).
void ShadowMmu::pwc_flush_after_exits() {
  const uint64_t exits = vmx_.stats().exits;
  if (exits == exits_seen_) return;
  exits_seen_ = exits;
  if (!vmx_.vpid_enabled()) pwc_flush();
}

bool ShadowMmu::paging_off_translate(const AccessRequest& req, Translation& out) {
  // Linear = guest-physical; the hypervisor maps guest RAM one to one.
  const uint64_t gpa = req.va.value & ~kPageMask;
  uint64_t hpa = 0;
  const bool ram = host_frame(gpa >> kPageShift, hpa);
  const bool wp = ram && write_protected(gpa >> kPageShift);
  out = Translation{Gva(gpa), PageSize::k4K, ram ? hpa : gpa, ram ? host_.frame_ptr(Hfn(hpa >> kPageShift)) : nullptr,
                    !wp, true, false, false, !wp, wp && req.kind == Access::Write};
  if (ram && !wp) note_handout(gpa >> kPageShift, gpa, 0, false);
  return true;
}

void ShadowMmu::fill_translation(const PagingState& ps, uint64_t va, uint64_t spte, Translation& out) {
  const bool mmio = spte & kSpteMmio;
  const uint64_t pa = spte & pg::kAddrMask;
  out.page_va = Gva(va & ~kPageMask);
  out.size = PageSize::k4K;
  out.pbase = pa;
  out.host = mmio ? nullptr : host_.frame_ptr(Hfn(pa >> kPageShift));
  out.writable = spte & pg::kRW;
  out.user = spte & pg::kUS;
  out.nx = spte & pg::kNX;
  out.global = (spte & pg::kG) && ps.pge();
  out.dirty = out.writable;
  out.watch_writes = false;
  if (out.writable && !mmio) note_handout(gfn_of_hfn_[pa >> kPageShift], va & ~kPageMask, ps.pcid(), out.global);
}

bool ShadowMmu::translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) {
  if (!ps.paging()) return paging_off_translate(req, out);
  ShadowPage* root = root_for(ps);
  pwc_flush_after_exits();
  const HardwareWalk hw = hardware_walk(ps, root, req.va.value, req);
  walks_.record(hw.refs, 0);
  if (hw.permitted) {
    fill_translation(ps, req.va.value, hw.spte, out);
    return true;
  }
  const bool ok = handle_miss(ps, req, hw, out, fault);
  after_exit();
  return ok;
}

// A shadow miss: the hardware raised #PF, which exits (EXCEPTION_NMI). The
// hypervisor walks the guest's tables in software, as the guest's own
// hardware would (setting A, and D on a write), then either fills the
// shadow entries or hands the guest its true #PF.
bool ShadowMmu::handle_miss(const PagingState& ps, const AccessRequest& req, const HardwareWalk& hw,
                            Translation& out, PageFault& fault) {
  const uint64_t va = req.va.value;
  const pg::WalkControl wc{req.kind, req.user, ps.wp(), ps.nxe()};
  GuestRamTables tables{ram_};
  const pg::WalkOutcome w = pg::walk(tables, ps.cr3, va, wc);
  vmx_.soft_walk(w.refs);
  if (!w.ok) {
    vmx_.trap(TrapKind::ShadowGuestFault, ExitReason::ExceptionNmi);
    fault = PageFault{w.error, req.va};
    return false;
  }
  const uint64_t gfn = (w.pbase + ((va & ~kPageMask) & (page_bytes(w.size) - 1))) >> kPageShift;
  const bool leaf_present = hw.spte & (pg::kP | kSpteMmio);
  const bool write = req.kind == Access::Write;
  bool retried = false;
  // A write to a write-protected guest table whose spte is in place faults
  // again on retry: that exit emulates the write (on_watched_write counts it).
  if (!(write && leaf_present && write_protected(gfn))) {
    // A write through a read-only leaf is the D-bit trap when the guest
    // entry the spte was built from was clean; otherwise the spte was only
    // read-only while its frame was a guest table, and this is a refill.
    bool was_clean = false;
    if (write && leaf_present) {
      const ShadowPage* lt = hw.leaf_table;
      was_clean = lt->role.direct ? !(lt->role.access & pg::kRightW)
                                  : !(lt->gpte[pg::index_at(va, 1)] & pg::kD);
    }
    const TrapKind kind = was_clean ? TrapKind::ShadowDirty : TrapKind::ShadowHiddenFault;
    vmx_.trap(kind, ExitReason::ExceptionNmi);
    install_path(ps, va);
    retried = true;
  }
  ShadowPage* root = root_for(ps);
  pwc_flush_after_exits();
  const HardwareWalk again = hardware_walk(ps, root, va, req);
  if (retried) walks_.record(again.refs, 0);  // the retry is a new walk, now over a complete path
  fill_translation(ps, va, again.spte, out);
  if (write && !again.permitted) {
    const bool protect = write_protected(gfn);
    // Either a guest table (every write is reported and emulated) or a
    // supervisor write with CR0.WP=0 to a read-only page the guest permits
    // (never cached in the spte, which user accesses share).
    out.dirty = !protect;
    out.watch_writes = protect;
    if (!protect) note_handout(gfn, va & ~kPageMask, ps.pcid(), out.global);
  }
  return true;
}

// Build the shadow path for 'va' from the guest's entries, which the walk
// that just succeeded left with A set (and D, for a write).
void ShadowMmu::install_path(const PagingState& ps, uint64_t va) {
  ShadowPage* sp = root_for(ps);
  uint64_t table = ps.cr3 & pg::kAddrMask;
  uint8_t rights = pg::kRightW | pg::kRightU;
  const bool nxe = ps.nxe();
  for (unsigned level = 4;; --level) {
    const unsigned i = pg::index_at(va, level);
    const uint64_t g = guest_entry(table >> kPageShift, i);
    sp->gpte[i] = g;
    sp->flood = 0;  // a use of the page: it is not being flooded
    const uint8_t below = combine(rights, g, nxe);
    const bool large = level > 1 && level < 4 && (g & pg::kPS);
    if (level == 1) {
      install_leaf(sp, i, (g & pg::kAddrMask) >> kPageShift, below, g);
      prefetch(sp, i);
      return;
    }
    if (large) {
      // A guest large page: direct shadow pages split it into 4 KiB sptes.
      // While the guest entry is clean they are read-only (their role says
      // so), so that the first write traps to set D.
      const uint8_t access = (g & pg::kD) ? below : static_cast<uint8_t>(below & ~pg::kRightW);
      uint64_t base = (g & pg::kAddrMask & ~(page_bytes(level == 3 ? PageSize::k1G : PageSize::k2M) - 1)) >> kPageShift;
      for (unsigned l = level; l > 1; --l) {
        Role r = sp->role;
        r.level = static_cast<uint8_t>(l - 1);
        r.access = access;
        r.direct = true;
        const unsigned li = pg::index_at(va, l);
        ShadowPage* child = sp->child[li];
        if (!child || child->gfn != base || !(child->role == r)) {
          unlink(sp, li);
          child = get_page(base, r);
          link(sp, li, child);
        }
        sp = child;
        sp->flood = 0;
        if (l - 1 > 1) base += uint64_t(pg::index_at(va, l - 1)) << 9;
      }
      const unsigned j = pg::index_at(va, 1);
      install_leaf(sp, j, sp->gfn + j, access, pg::kD | (g & pg::kG));
      prefetch(sp, j);
      return;
    }
    Role r = sp->role;
    r.level = static_cast<uint8_t>(level - 1);
    r.access = below;
    r.direct = false;
    const uint64_t next = (g & pg::kAddrMask) >> kPageShift;
    ShadowPage* child = sp->child[i];
    if (!child || child->gfn != next || !(child->role == r)) {
      unlink(sp, i);
      child = get_page(next, r);
      link(sp, i, child);
    }
    sp = child;
    table = g & pg::kAddrMask;
    rights = below;
  }
}

// A leaf spte from guest entry 'g' (a 4 KiB PTE, or the large-page entry a
// direct page splits). Writable only once the guest's D is set, so that the
// first write traps to set it; never writable over a guest page table.
void ShadowMmu::install_leaf(ShadowPage* sp, unsigned index, uint64_t gfn, uint8_t rights, uint64_t g) {
  zap_spte(sp, index);
  uint64_t hpa = 0;
  const bool dirty = g & pg::kD;
  const bool global = g & pg::kG;
  if (!host_frame(gfn, hpa)) {
    sp->spt[index] = make_mmio(gfn << kPageShift, rights, dirty, global);
    return;
  }
  sp->spt[index] = make_leaf(hpa, rights, dirty && !write_protected(gfn), global);
  rmap_add(gfn, sp, index);
}

// Fill neighbours the guest has already used (A=1) in the same aligned group
// of shadow.prefetch entries, saving the hidden faults they would take.
void ShadowMmu::prefetch(ShadowPage* sp, unsigned index) {
  const unsigned n = opt_.prefetch;
  if (n <= 1) return;
  const unsigned first = index - index % n;
  const bool nxe = sp->role.nxe;
  for (unsigned i = first; i < first + n && i < 512; ++i) {
    if (i == index || (sp->spt[i] & (pg::kP | kSpteMmio))) continue;
    if (sp->role.direct) {
      // Every part of a guest large page shares its entry, already used;
      // the role carries its rights (read-only while it is clean).
      install_leaf(sp, i, sp->gfn + i, sp->role.access, pg::kD | (sp->spt[index] & pg::kG));
      continue;
    }
    const uint64_t g = guest_entry(sp->gfn, i);
    if (!(g & pg::kP) || !(g & pg::kA) || pg::reserved_bits(g, 1, nxe)) continue;
    sp->gpte[i] = g;
    install_leaf(sp, i, (g & pg::kAddrMask) >> kPageShift, combine(sp->role.access, g, nxe), g);
  }
}

uint64_t ShadowMmu::guest_entry(uint64_t gfn, unsigned index) const {
  const uint8_t* p = ram_.host_ptr(Gpa((gfn << kPageShift) + 8ull * index));
  if (!p) return ~0ull;  // no memory: the bus reads all ones (see GuestRamTables)
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void ShadowMmu::on_mmio_access(const PagingState& ps, uint64_t la, uint64_t) {
  // Every device access exits (the spte is an MMIO spte, or paging is off
  // and the page is not RAM); the emulator walks the guest's tables to
  // decode the access.
  vmx_.trap(TrapKind::Mmio, ExitReason::ExceptionNmi);
  if (ps.paging()) vmx_.soft_walk(guest_walk_refs(ram_, ps.cr3, la));
}

void ShadowMmu::on_cr3_load(const PagingState& ps, bool flushed) {
  vmx_.trap(TrapKind::ShadowCr3Switch, ExitReason::CrAccess);
  if (flushed) ++pcid_epoch_[ps.pcid()];
  if (flushed && pwc_) pwc_->flush_pcid(vpid(), ps.pcid());
  if (flushed && opt_.unsync) resync_all(ExitReason::CrAccess);
  root_ = nullptr;
  if (ps.paging()) root_for(ps);
  after_exit();
}

void ShadowMmu::on_invlpg(const PagingState& ps, uint64_t va) {
  vmx_.trap(TrapKind::ShadowInvlpg, ExitReason::Invlpg);
  if (pwc_) pwc_->flush_pcid(vpid(), ps.pcid());  // as natively (SDM 4.10.4.1)
  if (opt_.unsync) resync_all(ExitReason::Invlpg);
  if (ps.paging()) {
    ShadowPage* sp = root_for(ps);
    for (unsigned level = 4; sp && level > 1; --level) sp = sp->child[pg::index_at(va, level)];
    if (sp) zap_spte(sp, pg::index_at(va, 1));
  }
  after_exit();
}

void ShadowMmu::on_invpcid(const PagingState& ps, unsigned type, uint16_t pcid, uint64_t va) {
  // The exit is counted by the machine's intercept policy.
  if (type == 1) ++pcid_epoch_[pcid];
  if (type == 2) ++all_epoch_;
  if (type == 3) ++nonglobal_epoch_;
  if (pwc_) {
    if (type <= 1) pwc_->flush_pcid(vpid(), pcid);
    else pwc_->flush_all();
  }
  if (opt_.unsync) resync_all(ExitReason::Invpcid);
  if (type == 0 && ps.paging() && pcid == ps.pcid()) {
    ShadowPage* sp = root_for(ps);
    for (unsigned level = 4; sp && level > 1; --level) sp = sp->child[pg::index_at(va, level)];
    if (sp) zap_spte(sp, pg::index_at(va, 1));
  }
  after_exit();
}

void ShadowMmu::on_paging_mode_change(const PagingState&) {
  ++all_epoch_;  // the CPU flushed the whole TLB of this VPID
  pwc_flush();
  // The role follows CR0.WP, EFER.NXE and CR4.SMEP: the next walk picks the
  // root for the new state.
  root_ = nullptr;
}

ShadowPage* ShadowMmu::root_for(const PagingState& ps) {
  const Role role = role_for(ps);
  const uint64_t cr3 = ps.cr3 & pg::kAddrMask;
  if (root_ && root_cr3_ == cr3 && root_role_ == role.bits()) return root_;
  ShadowPage* found = nullptr;
  for (size_t i = 0; i < roots_.size(); ++i)
    if (roots_[i]->gfn == cr3 >> kPageShift && roots_[i]->role == role) {
      found = roots_[i];
      roots_.erase(roots_.begin() + static_cast<long>(i));
      break;
    }
  if (!found) {
    found = get_page(cr3 >> kPageShift, role);
    ++found->root_pins;
  }
  roots_.insert(roots_.begin(), found);
  root_ = found;
  root_cr3_ = cr3;
  root_role_ = role.bits();
  while (roots_.size() > opt_.cached_roots) {
    ShadowPage* old = roots_.back();
    roots_.pop_back();
    unpin_root(old);
  }
  return root_;
}

}  // namespace vmsim
