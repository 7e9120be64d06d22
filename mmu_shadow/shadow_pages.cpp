// Shadow page lifetime (hash by guest frame and role, links, zaps), write
// protection of the guest frames they mirror, and the reverse map from guest
// frames to the leaf sptes that map them.
#include <algorithm>

#include "core/tlb.h"
#include "mmu_shadow/shadow_mmu.h"

namespace vmsim {

using namespace shadow;
namespace pg = paging;

namespace {
constexpr uint64_t kAllPages = ~0ull;  // a handout list that overflowed
template <class T>
void erase_one(std::vector<T>& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it != v.end()) {
    *it = v.back();
    v.pop_back();
  }
}
}  // namespace

ShadowPage* ShadowMmu::get_page(uint64_t gfn, const Role& role) {
  const uint64_t key = page_key(gfn, role);
  if (auto it = pages_.find(key); it != pages_.end()) return it->second;
  const std::optional<Hfn> h = host_.alloc_frame();
  if (!h) throw HostMemoryExhausted("no host frame for a shadow page");
  auto* sp = new ShadowPage;
  sp->gfn = gfn;
  sp->role = role;
  sp->hfn = *h;
  sp->spt = reinterpret_cast<uint64_t*>(host_.frame_ptr(*h));
  pages_[key] = sp;
  peak_ = std::max<uint64_t>(peak_, pages_.size());
  if (role.direct) return sp;
  // A guest table mirrored again (another level or role) cannot stay
  // unsynced: bring its unsynced pages back in step first.
  std::vector<ShadowPage*>& same = by_gfn_[gfn];
  const bool was_protected = write_protected(gfn);
  for (ShadowPage* other : std::vector<ShadowPage*>(same))
    if (other->unsync) resync(other);
  same.push_back(sp);
  if (!was_protected) write_protect(gfn);
  return sp;
}

void ShadowMmu::link(ShadowPage* parent, unsigned index, ShadowPage* child) {
  parent->spt[index] = (child->hfn.value << kPageShift) | kSpteLink;
  parent->child[index] = child;
  child->parents.push_back(SptePtr{parent, static_cast<uint16_t>(index)});
}

// Drop a non-leaf spte. A page no spte links any more (and no root holds)
// is zapped: the guest table it mirrored is no longer reachable through
// the shadow tables, so its writes need not trap.
void ShadowMmu::unlink(ShadowPage* parent, unsigned index) {
  ShadowPage* child = parent->child[index];
  parent->spt[index] = 0;
  parent->child[index] = nullptr;
  pwc_flush();
  if (!child) return;
  erase_one(child->parents, SptePtr{parent, static_cast<uint16_t>(index)});
  if (child->parents.empty() && !child->root_pins) zap_page(child);
}

void ShadowMmu::zap_spte(ShadowPage* sp, unsigned index) {
  if (sp->child[index]) {
    unlink(sp, index);
    return;
  }
  const uint64_t e = sp->spt[index];
  if (e & pg::kP) rmap_remove(gfn_of_hfn_[(e & pg::kAddrMask) >> kPageShift], sp, index);
  sp->spt[index] = 0;
}

void ShadowMmu::zap_page(ShadowPage* sp) {
  if (sp->dead) return;
  sp->dead = true;
  pwc_flush();
  for (const SptePtr& p : sp->parents) {
    p.sp->spt[p.index] = 0;
    p.sp->child[p.index] = nullptr;
  }
  sp->parents.clear();
  for (unsigned i = 0; i < 512; ++i)
    if (sp->spt[i]) zap_spte(sp, i);
  pages_.erase(sp->key());
  if (!sp->role.direct) {
    auto it = by_gfn_.find(sp->gfn);
    erase_one(it->second, sp);
    if (it->second.empty()) {
      by_gfn_.erase(it);
      restore_write(sp->gfn);
    }
  }
  if (sp->unsync) erase_one(unsync_, sp);
  if (sp->root_pins) {
    erase_one(roots_, sp);  // order of the rest is kept below
    sp->root_pins = 0;
  }
  if (root_ == sp) root_ = nullptr;
  host_.free_frame(sp->hfn);
  graveyard_.push_back(sp);
}

void ShadowMmu::unpin_root(ShadowPage* sp) {
  if (sp->root_pins && --sp->root_pins == 0 && sp->parents.empty()) zap_page(sp);
}

bool ShadowMmu::write_protected(uint64_t gfn) const {
  auto it = by_gfn_.find(gfn);
  if (it == by_gfn_.end()) return false;
  for (const ShadowPage* sp : it->second)
    if (!sp->unsync && !sp->dead) return true;
  return false;
}

// Make every spte that maps 'gfn' read-only, and drop the TLB entries that
// may still allow a write to it: a zap the guest did not ask for
// (FlushCause::ShadowZap). Without VPID the exit that got us here has
// already flushed the whole TLB.
void ShadowMmu::write_protect(uint64_t gfn) {
  if (auto it = rmap_.find(gfn); it != rmap_.end())
    for (const SptePtr& s : it->second) s.sp->spt[s.index] &= ~pg::kRW;
  if (gfn >= handouts_.size() || handouts_[gfn].empty()) return;
  std::vector<Handout>& h = handouts_[gfn];
  if (tlb_ && vmx_.vpid_enabled()) {
    const uint16_t vpid = vmx_.guest_vpid();
    for (const Handout& o : h) {
      if (!live(o)) continue;
      if (o.va == kAllPages) {
        tlb_->flush_vpid(vpid, FlushCause::ShadowZap);
        ++all_epoch_;
        break;
      }
      tlb_->flush_page(vpid, o.pcid, o.va, /*include_global=*/true, FlushCause::ShadowZap);
    }
  }
  h.clear();
}

void ShadowMmu::rmap_add(uint64_t gfn, ShadowPage* sp, unsigned index) {
  rmap_[gfn].push_back(SptePtr{sp, static_cast<uint16_t>(index)});
}

void ShadowMmu::rmap_remove(uint64_t gfn, ShadowPage* sp, unsigned index) {
  auto it = rmap_.find(gfn);
  if (it == rmap_.end()) return;
  erase_one(it->second, SptePtr{sp, static_cast<uint16_t>(index)});
  if (it->second.empty()) rmap_.erase(it);
}

// A translation that lets writes through was given to the TLB: remember
// where, so that write-protecting the frame later can drop exactly it.
void ShadowMmu::note_handout(uint64_t gfn, uint64_t va, uint16_t pcid, bool global) {
  if (!vmx_.vpid_enabled() || gfn >= handouts_.size()) return;
  std::vector<Handout>& v = handouts_[gfn];
  const Handout now{va, pcid, global, all_epoch_, pcid_epoch_[pcid], nonglobal_epoch_};
  for (Handout& o : v) {
    if (o.va == kAllPages && live(o)) return;
    if (o.va == va && o.pcid == pcid) {
      o = now;
      return;
    }
  }
  std::erase_if(v, [&](const Handout& o) { return !live(o); });
  if (v.size() >= 8) v.assign(1, Handout{kAllPages, 0, true, all_epoch_, 0, 0});
  else v.push_back(now);
}

// Whether the TLB may still hold the translation: no guest flush since
// covered it (SDM 4.10.4.1: a flushing CR3 load drops its PCID's non-global
// entries; INVPCID types 1-3; the paging-mode changes drop everything).
bool ShadowMmu::live(const Handout& h) const {
  if (h.all_epoch != all_epoch_) return false;
  if (h.global) return true;
  return h.pcid_epoch == pcid_epoch_[h.pcid] && h.nonglobal_epoch == nonglobal_epoch_;
}

}  // namespace vmsim
