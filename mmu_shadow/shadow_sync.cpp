// Keeping shadow pages in step with the guest's tables: emulated writes to
// write-protected guest tables, write-flood unshadowing, unsynced leaf
// tables and their resync, and the audit of DESIGN §8.
#include <string>

#include "mmu_shadow/shadow_mmu.h"

namespace vmsim {

using namespace shadow;
namespace pg = paging;

// The CPU performed a write to a write-protected guest table: the exit
// (EXCEPTION_NMI) whose handler emulates it. Entries the write changed are
// updated (a leaf the guest has used) or zapped; a non-leaf table written
// shadow.flood_threshold times without being used in between is no longer
// a table the guest walks, and is unshadowed.
void ShadowMmu::on_watched_write(uint64_t pa, unsigned len) {
  const uint64_t hfn = pa >> kPageShift;
  const uint64_t gfn = hfn < gfn_of_hfn_.size() ? gfn_of_hfn_[hfn] : ~0u;
  auto it = by_gfn_.find(gfn);
  std::vector<ShadowPage*> pages;
  if (it != by_gfn_.end()) pages = it->second;
  bool unshadowed = false;
  if (opt_.flood_threshold)
    for (ShadowPage* sp : pages)
      if (!sp->dead && sp->role.level > 1 && sp != root_ && ++sp->flood >= opt_.flood_threshold) {
        zap_page(sp);
        unshadowed = true;
      }
  vmx_.trap(unshadowed ? TrapKind::ShadowUnshadow : TrapKind::ShadowPtWrite, ExitReason::ExceptionNmi);
  const unsigned first = static_cast<unsigned>((pa & kPageMask) / 8);
  const unsigned last = static_cast<unsigned>(std::min<uint64_t>((pa & kPageMask) + len - 1, kPageMask) / 8);
  for (ShadowPage* sp : pages)
    if (!sp->dead) guest_table_written(sp, first, last);
  if (opt_.unsync) try_unsync(gfn);
  after_exit();
}

void ShadowMmu::guest_table_written(ShadowPage* sp, unsigned first, unsigned last) {
  const bool nxe = sp->role.nxe;
  for (unsigned i = first; i <= last; ++i) {
    const uint64_t g = guest_entry(sp->gfn, i);
    if (g == sp->gpte[i]) continue;
    sp->gpte[i] = g;
    if (!sp->spt[i]) continue;
    // A used (A=1) valid leaf is updated in place, as the next hidden fault
    // would fill it; anything else is zapped and refilled on demand.
    if (sp->role.level == 1 && (g & pg::kP) && (g & pg::kA) && !pg::reserved_bits(g, 1, nxe))
      install_leaf(sp, i, (g & pg::kAddrMask) >> kPageShift, combine(sp->role.access, g, nxe), g);
    else
      zap_spte(sp, i);
  }
}

// shadow.unsync: a guest frame mirrored only by leaf tables stops being
// write-protected; its sptes may go stale until the next resync point
// (the seeds' "RO->RW may be lazy, RW->RO must trap").
bool ShadowMmu::try_unsync(uint64_t gfn) {
  auto it = by_gfn_.find(gfn);
  if (it == by_gfn_.end()) return false;
  for (const ShadowPage* sp : it->second)
    if (sp->role.level != 1 || sp->dead) return false;
  for (ShadowPage* sp : it->second)
    if (!sp->unsync) {
      sp->unsync = true;
      unsync_.push_back(sp);
    }
  restore_write(gfn);
  return true;
}

// A frame that stopped being write-protected: its own mappings regain the
// write right they had before it was a guest table (a clean guest page
// stays read-only for its D trap), so its next writes do not exit.
void ShadowMmu::restore_write(uint64_t gfn) {
  auto r = rmap_.find(gfn);
  if (r == rmap_.end()) return;
  for (const SptePtr& s : r->second) {
    const ShadowPage* sp = s.sp;
    bool w = sp->role.access & pg::kRightW;
    if (!sp->role.direct) {
      const uint64_t g = sp->gpte[s.index];
      w = (combine(sp->role.access, g, sp->role.nxe) & pg::kRightW) && (g & pg::kD);
    }
    if (w) s.sp->spt[s.index] |= pg::kRW;
  }
}

// A resync point (INVLPG, a flushing CR3 write, INVPCID): every unsynced
// table is compared with its guest table and write-protected again.
void ShadowMmu::resync_all(ExitReason reason) {
  if (unsync_.empty()) return;
  vmx_.trap(TrapKind::ShadowResync, reason);
  for (ShadowPage* sp : std::vector<ShadowPage*>(unsync_))
    if (!sp->dead && sp->unsync) resync(sp);
}

void ShadowMmu::resync(ShadowPage* sp) {
  guest_table_written(sp, 0, 511);
  sp->unsync = false;
  for (size_t i = 0; i < unsync_.size(); ++i)
    if (unsync_[i] == sp) {
      unsync_[i] = unsync_.back();
      unsync_.pop_back();
      break;
    }
  write_protect(sp->gfn);
}

void ShadowMmu::after_exit() {
  for (ShadowPage* sp : graveyard_) delete sp;
  graveyard_.clear();
  if (!opt_.audit) return;
  const std::string violation = audit();
  if (!violation.empty()) throw MmuFatal("shadow audit: " + violation);
}

namespace {
std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}
}  // namespace

// DESIGN §8: every present spte is the composition of the guest entry and
// the GPA->HPA map with the right rights, and every guest frame a synced
// shadow page mirrors is mapped read-only.
std::string ShadowMmu::audit() const {
  for (const auto& [key, sp] : pages_) {
    for (unsigned i = 0; i < 512; ++i) {
      const uint64_t e = sp->spt[i];
      if (!e) continue;
      auto at = [&] {  // only built for a violation
        return "shadow page gfn " + hex(sp->gfn) + " level " + std::to_string(sp->role.level) +
               (sp->role.direct ? " (direct)" : "") + " index " + std::to_string(i) + ": ";
      };
      uint64_t target = 0;  // guest frame the leaf should map
      uint8_t rights = sp->role.access;
      bool dirty = true;
      if (sp->role.direct) {
        target = sp->gfn + (sp->role.level == 1 ? i : uint64_t(i) << 9);
      } else if (!sp->unsync) {
        const uint64_t g = guest_entry(sp->gfn, i);
        if (!(g & pg::kP) || !(g & pg::kA) || pg::reserved_bits(g, sp->role.level, sp->role.nxe))
          return at() + "spte " + hex(e) + " for guest entry " + hex(g) + " (not present, not accessed or reserved)";
        target = (g & pg::kAddrMask) >> kPageShift;
        rights = combine(sp->role.access, g, sp->role.nxe);
        dirty = g & pg::kD;
        if (sp->child[i]) {
          const ShadowPage* c = sp->child[i];
          const bool large = g & pg::kPS;
          const uint64_t want = large ? target & ~((uint64_t(1) << (9 * (sp->role.level - 1))) - 1) : target;
          const uint8_t want_access =
              large && !(g & pg::kD) ? static_cast<uint8_t>(rights & ~pg::kRightW) : rights;
          if (c->gfn != want || c->role.access != want_access || c->role.direct != large ||
              c->role.level + 1 != sp->role.level)
            return at() + "links shadow page gfn " + hex(c->gfn) + " for guest entry " + hex(g);
        }
      } else {
        continue;  // unsynced: may be stale until the next resync
      }
      if (sp->child[i]) {
        if ((e & pg::kAddrMask) != sp->child[i]->hfn.value << kPageShift)
          return at() + "non-leaf spte " + hex(e) + " does not point at its child";
        continue;
      }
      if (sp->role.level != 1) return at() + "present spte " + hex(e) + " without a child above level 1";
      if (e & kSpteMmio) {
        if (ram_.is_ram(Gfn(target))) return at() + "MMIO spte for RAM frame " + hex(target);
        continue;
      }
      const uint64_t hfn = (e & pg::kAddrMask) >> kPageShift;
      if (hfn >= gfn_of_hfn_.size() || gfn_of_hfn_[hfn] != target)
        return at() + "spte " + hex(e) + " does not map guest frame " + hex(target);
      if (((e & pg::kUS) != 0) != ((rights & pg::kRightU) != 0) || ((e & pg::kNX) != 0) != ((rights & pg::kRightNx) != 0))
        return at() + "spte " + hex(e) + " rights differ from the guest's";
      if (e & pg::kRW) {
        if (!(rights & pg::kRightW) || !dirty) return at() + "spte " + hex(e) + " writable beyond the guest's rights or D";
        if (write_protected(target)) return at() + "spte " + hex(e) + " writable over shadowed guest table " + hex(target);
      }
    }
  }
  return {};
}

}  // namespace vmsim
