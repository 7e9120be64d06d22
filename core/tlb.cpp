#include "core/tlb.h"

#include "core/events.h"

#include <cstddef>

namespace vmsim {

const char* flush_cause_name(FlushCause c) {
  switch (c) {
    case FlushCause::Cr3Write: return "cr3_write";
    case FlushCause::Invlpg: return "invlpg";
    case FlushCause::Invpcid: return "invpcid";
    case FlushCause::VmEntry: return "vm_entry";
    case FlushCause::VmExit: return "vm_exit";
    case FlushCause::Invept: return "invept";
    case FlushCause::Invvpid: return "invvpid";
    case FlushCause::ShadowRootSwitch: return "shadow_root_switch";
    case FlushCause::ShadowZap: return "shadow_zap";
    case FlushCause::Cr0Write: return "cr0_write";
    case FlushCause::Cr4Write: return "cr4_write";
    case FlushCause::EferWrite: return "efer_write";
    case FlushCause::kCount: break;
  }
  return "?";
}

TlbGeometry TlbGeometry::skylake() {
  // Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake
  // microarchitecture, TLB parameters (REFERENCES.md).
  TlbGeometry g;
  g.l1d[0] = {64, 4};
  g.l1d[1] = {32, 4};
  g.l1d[2] = {4, 4};
  g.l1i[0] = {128, 8};
  g.l1i[1] = {8, 8};
  g.l1i[2] = {0, 1};  // no 1 GiB instruction entries: such pages are splintered into 2 MiB
  g.stlb = {1536, 12};
  g.stlb_1g = {16, 4};
  return g;
}

void TlbArray::configure(const TlbArrayGeometry& g) {
  if (g.entries == 0) {
    sets_ = ways_ = 0;
    slots_.clear();
    return;
  }
  ways_ = g.ways ? g.ways : 1;
  sets_ = g.entries / ways_;
  if (sets_ == 0) sets_ = 1;
  slots_.assign(std::size_t(sets_) * ways_, TlbEntry{});
}

TlbEntry* TlbArray::find(uint64_t va, PageSize size, uint16_t vpid, uint16_t pcid) {
  const uint64_t vbase = va & ~(page_bytes(size) - 1);
  TlbEntry* set = set_of(va, size);
  for (uint32_t w = 0; w < ways_; ++w) {
    TlbEntry& e = set[w];
    if (e.vbase == vbase && e.size == size && e.vpid == vpid && (e.global || e.pcid == pcid)) return &e;
  }
  return nullptr;
}

TlbEntry& TlbArray::victim(uint64_t vbase, PageSize size) {
  TlbEntry* set = set_of(vbase, size);
  TlbEntry* best = &set[0];
  for (uint32_t w = 0; w < ways_; ++w) {
    if (!set[w].valid()) return set[w];
    if (set[w].stamp < best->stamp) best = &set[w];
  }
  return *best;
}

Tlb::Tlb(const TlbGeometry& g) {
  for (int s = 0; s < 3; ++s) {
    l1_[0][s].configure(g.l1d[s]);
    l1_[1][s].configure(g.l1i[s]);
  }
  stlb_.configure(g.stlb);
  stlb_1g_.configure(g.stlb_1g);
}

namespace {
// An entry cut down to a smaller page around 'va' (splintering), for a level
// that has no array for the entry's own size.
TlbEntry splinter(const TlbEntry& e, uint64_t va, PageSize to) {
  TlbEntry s = e;
  s.size = to;
  s.vbase = va & ~(page_bytes(to) - 1);
  s.pbase = e.pbase + (s.vbase - e.vbase);
  return s;
}
}  // namespace

TlbEntry* Tlb::lookup(TlbSide side, uint64_t va, uint16_t vpid, uint16_t pcid, uint64_t clock) {
  TlbArray* l1 = l1_[static_cast<int>(side)];
  for (int s = 0; s < 3; ++s) {
    if (!l1[s].present()) continue;
    if (TlbEntry* e = l1[s].find(va, static_cast<PageSize>(s), vpid, pcid)) {
      e->stamp = clock;
      return e;
    }
  }
  ++stats_.l1_misses;
  TlbEntry* hit = nullptr;
  if (stlb_.present()) {
    hit = stlb_.find(va, PageSize::k4K, vpid, pcid);
    if (!hit) hit = stlb_.find(va, PageSize::k2M, vpid, pcid);
  }
  if (!hit && stlb_1g_.present()) hit = stlb_1g_.find(va, PageSize::k1G, vpid, pcid);
  if (!hit) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.stlb_hits;
  hit->stamp = ++stlb_clock_;
  return fill_l1(side, *hit, va, clock);
}

TlbEntry* Tlb::fill_l1(TlbSide side, const TlbEntry& e, uint64_t va, uint64_t clock) {
  TlbArray* l1 = l1_[static_cast<int>(side)];
  TlbEntry entry = e;
  while (!l1[static_cast<int>(entry.size)].present() && entry.size != PageSize::k4K)
    entry = splinter(entry, va, static_cast<PageSize>(static_cast<int>(entry.size) - 1));
  TlbArray& a = l1[static_cast<int>(entry.size)];
  if (!a.present()) return nullptr;  // a side with no L1 at all
  TlbEntry* slot = a.find(va, entry.size, entry.vpid, entry.pcid);
  if (!slot) slot = &a.victim(entry.vbase, entry.size);
  if (slot->valid() && mirror_) mirror_->tlb_evicted(side, *slot);
  *slot = entry;
  slot->stamp = clock;
  return slot;
}

TlbEntry* Tlb::fill(TlbSide side, const TlbEntry& e, uint64_t va, uint64_t clock) {
  ++stats_.fills;
  TlbEntry s = e;
  TlbArray* a = nullptr;
  if (s.size == PageSize::k1G && stlb_1g_.present()) {
    a = &stlb_1g_;
  } else if (stlb_.present()) {
    if (s.size == PageSize::k1G) s = splinter(s, va, PageSize::k2M);
    a = &stlb_;
  }
  if (a) {
    TlbEntry* slot = a->find(va, s.size, s.vpid, s.pcid);
    if (!slot) slot = &a->victim(s.vbase, s.size);
    *slot = s;
    slot->stamp = ++stlb_clock_;
  }
  return fill_l1(side, e, va, clock);
}

template <class Pred> uint64_t Tlb::invalidate(Pred pred) {
  uint64_t n = 0;
  for (int side = 0; side < 2; ++side)
    for (TlbArray& a : l1_[side])
      a.for_each([&](TlbEntry& e) {
        if (!e.valid() || !pred(e)) return;
        if (mirror_) mirror_->tlb_evicted(static_cast<TlbSide>(side), e);
        e = TlbEntry{};
        ++n;
      });
  for (TlbArray* a : {&stlb_, &stlb_1g_})
    a->for_each([&](TlbEntry& e) {
      if (!e.valid() || !pred(e)) return;
      e = TlbEntry{};
      ++n;
    });
  return n;
}

void Tlb::count(FlushCause cause, bool single, uint64_t n) {
  ++stats_.flushes;
  ++(single ? stats_.flushes_single : stats_.flushes_full);
  ++stats_.by_cause[static_cast<int>(cause)];
  stats_.entries_flushed += n;
  if (observer_) observer_->on_tlb_flush(cause, single, n);
}

void Tlb::flush_all(FlushCause cause) {
  uint64_t n = 0;
  for (int side = 0; side < 2; ++side)
    for (TlbArray& a : l1_[side]) a.for_each([&](TlbEntry& e) { n += e.valid(); e = TlbEntry{}; });
  for (TlbArray* a : {&stlb_, &stlb_1g_}) a->for_each([&](TlbEntry& e) { n += e.valid(); e = TlbEntry{}; });
  if (mirror_) mirror_->tlb_flushed();
  count(cause, false, n);
}

void Tlb::flush_vpid(uint16_t vpid, FlushCause cause) {
  count(cause, false, invalidate([&](const TlbEntry& e) { return e.vpid == vpid; }));
}

void Tlb::flush_pcid(uint16_t vpid, uint16_t pcid, bool keep_global, FlushCause cause) {
  count(cause, false, invalidate([&](const TlbEntry& e) {
          return e.vpid == vpid && e.pcid == pcid && !(keep_global && e.global);
        }));
}

void Tlb::flush_nonglobal(uint16_t vpid, FlushCause cause) {
  count(cause, false, invalidate([&](const TlbEntry& e) { return e.vpid == vpid && !e.global; }));
}

void Tlb::flush_page(uint16_t vpid, uint16_t pcid, uint64_t va, bool include_global, FlushCause cause) {
  count(cause, true, invalidate([&](const TlbEntry& e) {
          return e.vpid == vpid && e.covers(va) && (e.pcid == pcid || (include_global && e.global));
        }));
}

void Tlb::drop_address(uint16_t vpid, uint64_t va) {
  invalidate([&](const TlbEntry& e) { return e.vpid == vpid && e.covers(va); });
}

}  // namespace vmsim
