// The TLB model (DESIGN §2, §5): a set-associative hierarchy like a recent
// Intel core, an L1 data TLB and an L1 instruction TLB with one array per
// page size, and a unified second-level TLB (STLB) for 4 KiB and 2 MiB pages
// with a small array of its own for 1 GiB pages. Entries are tagged with
// VPID and PCID; global entries match any PCID. Replacement is true LRU.
//
// The CPU keeps a direct-mapped fast TLB in front of this model. Every fast
// entry mirrors an L1 entry here, so a fast hit is an L1 hit; the model tells
// the CPU (TlbMirror) whenever an L1 entry leaves, and the CPU drops the
// fast entries derived from it. Lookups that reach this class are the slow
// path: fast-TLB conflicts, L1 misses, STLB lookups, fills.
#pragma once
#include <cstdint>
#include <vector>

#include "core/types.h"

namespace vmsim {

// Why a TLB flush happened (DESIGN §5, "TLB flush causes").
enum class FlushCause : uint8_t {
  Cr3Write,
  Invlpg,
  Invpcid,
  VmEntry,
  VmExit,
  Invept,
  Invvpid,
  ShadowRootSwitch,
  ShadowZap,
  // Beyond DESIGN's list: paging-mode changes that architecturally flush
  // (SDM 4.10.4.1: CR0.PG, CR4.PGE/PCIDE; EFER.NXE changes what entries mean).
  Cr0Write,
  Cr4Write,
  EferWrite,
  kCount
};
const char* flush_cause_name(FlushCause c);

struct TlbArrayGeometry {
  uint32_t entries = 0;  // 0: this level has no array for the page size
  uint32_t ways = 1;
};

struct TlbGeometry {
  TlbArrayGeometry l1d[3];  // by PageSize
  TlbArrayGeometry l1i[3];
  TlbArrayGeometry stlb;     // 4 KiB and 2 MiB entries
  TlbArrayGeometry stlb_1g;
  // Skylake client (Intel optimization manual; REFERENCES.md).
  static TlbGeometry skylake();
};

struct TlbEntry {
  uint64_t vbase = 1;  // virtual base, aligned to the page size; 1 = invalid
  uint64_t pbase = 0;  // physical base (guest-physical under native, host-physical otherwise)
  uint64_t stamp = 0;  // last use, for LRU
  uint16_t vpid = 0;
  uint16_t pcid = 0;
  PageSize size = PageSize::k4K;
  bool writable = false;
  bool user = false;
  bool nx = false;
  bool global = false;
  bool dirty = false;
  bool valid() const { return vbase != 1; }
  bool covers(uint64_t va) const { return (va & ~(page_bytes(size) - 1)) == vbase; }
};

enum class TlbSide : uint8_t { Data = 0, Instr = 1 };

// Told when an L1 entry stops being valid, so derived state can follow.
class EventObserver;

class TlbMirror {
 public:
  virtual ~TlbMirror() = default;
  virtual void tlb_evicted(TlbSide side, const TlbEntry& e) = 0;
  virtual void tlb_flushed() = 0;  // every entry may be gone
};

struct TlbStats {
  uint64_t l1_misses = 0;    // lookups that missed L1 (data and instruction)
  uint64_t stlb_hits = 0;
  uint64_t misses = 0;       // lookups that missed every level: each starts a page walk
  uint64_t fills = 0;
  uint64_t flushes = 0;      // flush operations
  uint64_t flushes_full = 0;   // of the whole TLB or a whole PCID/VPID
  uint64_t flushes_single = 0; // of one page
  uint64_t by_cause[static_cast<int>(FlushCause::kCount)] = {};
  uint64_t entries_flushed = 0;
};

// One set-associative array.
class TlbArray {
 public:
  void configure(const TlbArrayGeometry& g);
  bool present() const { return sets_ != 0; }
  TlbEntry* find(uint64_t va, PageSize size, uint16_t vpid, uint16_t pcid);
  // The way to fill for 'vbase': an invalid way, else the least recently used.
  TlbEntry& victim(uint64_t vbase, PageSize size);
  template <class F> void for_each(F f) {
    for (TlbEntry& e : slots_) f(e);
  }

 private:
  uint32_t sets_ = 0;
  uint32_t ways_ = 0;
  std::vector<TlbEntry> slots_;
  TlbEntry* set_of(uint64_t va, PageSize size) {
    return &slots_[((va >> (12 + 9 * static_cast<int>(size))) % sets_) * ways_];
  }
};

class Tlb {
 public:
  explicit Tlb(const TlbGeometry& g = TlbGeometry::skylake());
  void set_mirror(TlbMirror* m) { mirror_ = m; }
  void set_observer(EventObserver* o) { observer_ = o; }

  // L1, then the STLB (an STLB hit refills L1). Returns the L1 entry, or
  // nullptr on a full miss. 'clock' orders uses for LRU in the side's L1; it
  // must only grow (the CPU passes its lookup count for that side).
  TlbEntry* lookup(TlbSide side, uint64_t va, uint16_t vpid, uint16_t pcid, uint64_t clock);
  // After a page walk: fill the STLB and the side's L1. Returns the L1 entry.
  // A level with no array for the entry's size holds it splintered into the
  // largest smaller size around 'va'.
  TlbEntry* fill(TlbSide side, const TlbEntry& e, uint64_t va, uint64_t clock);

  // Invalidation (SDM Vol. 3A, 4.10.4), each counted under its cause.
  void flush_all(FlushCause cause);                                   // everything
  void flush_vpid(uint16_t vpid, FlushCause cause);                   // one VPID
  void flush_pcid(uint16_t vpid, uint16_t pcid, bool keep_global, FlushCause cause);
  void flush_nonglobal(uint16_t vpid, FlushCause cause);              // all PCIDs, not global
  void flush_page(uint16_t vpid, uint16_t pcid, uint64_t va, bool include_global, FlushCause cause);
  // Drop the entries for 'va' in every PCID of 'vpid' (a page fault does
  // this, SDM 4.10.4.1); not counted as a flush.
  void drop_address(uint16_t vpid, uint64_t va);

  const TlbStats& stats() const { return stats_; }

 private:
  template <class Pred> uint64_t invalidate(Pred pred);
  void count(FlushCause cause, bool single, uint64_t n);
  TlbEntry* fill_l1(TlbSide side, const TlbEntry& e, uint64_t va, uint64_t clock);
  TlbArray l1_[2][3];  // [side][page size]
  TlbArray stlb_;
  TlbArray stlb_1g_;
  TlbMirror* mirror_ = nullptr;
  EventObserver* observer_ = nullptr;
  TlbStats stats_;
  uint64_t stlb_clock_ = 0;  // the STLB serves both sides, whose clocks differ
};

}  // namespace vmsim
