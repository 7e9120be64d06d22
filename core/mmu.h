// The interface every MMU backend implements (DESIGN §1, §2). The CPU calls
// it only on a TLB miss and for the guest's paging-control events; it never
// knows which backend is behind it.
#pragma once
#include <cstdint>
#include <stdexcept>

#include "core/types.h"

namespace vmsim {

class Tlb;

// The architectural paging state the hardware walk depends on.
struct PagingState {
  uint64_t cr0 = 0;
  uint64_t cr3 = 0;
  uint64_t cr4 = 0;
  uint64_t efer = 0;
  bool paging() const { return cr0 & (1ull << 31); }
  bool wp() const { return cr0 & (1ull << 16); }
  bool pge() const { return cr4 & (1ull << 7); }
  bool pcide() const { return cr4 & (1ull << 17); }
  bool nxe() const { return efer & (1ull << 11); }
  uint16_t pcid() const { return pcide() ? static_cast<uint16_t>(cr3 & 0xFFF) : 0; }
};

// One access that missed the TLB (or that the cached entry did not permit).
struct AccessRequest {
  Gva va;
  Access kind = Access::Read;
  bool user = false;  // CPL 3 (and not an implicit supervisor access)
};

// What a TLB entry caches, plus what the CPU needs to use it now.
struct Translation {
  Gva page_va;               // base of the page, aligned to its size
  PageSize size = PageSize::k4K;
  uint64_t pbase = 0;        // physical base the TLB caches: guest-physical under native,
                             // host-physical under shadow and EPT
  uint8_t* host = nullptr;   // host pointer to the 4 KiB frame holding va; null: not
                             // memory (reads see all ones, writes vanish)
  bool writable = false;     // effective rights, combined over the walk
  bool user = false;
  bool nx = false;
  bool global = false;
  bool dirty = false;        // a write through this entry needs no further walk
  // The write this translation was asked for may proceed, but every write to
  // the page must be reported (Mmu::on_watched_write) and none may be cached:
  // a write-protected guest page table under shadow paging.
  bool watch_writes = false;
};

// A page fault the guest must see (DESIGN §1: identical in every mode).
struct PageFault {
  uint32_t error_code = 0;
  Gva address;
};

// Hardware page-walk counters (DESIGN §5 `walks`). Every walk counts,
// including one that stops at a fault, with the references it made.
struct WalkStats {
  static constexpr unsigned kMaxRefs = 40;
  uint64_t count = 0;
  uint64_t mem_refs = 0;
  uint64_t guest_refs = 0;  // guest paging-structure entries read
  uint64_t ept_refs = 0;    // EPT entries read (two-dimensional walks)
  uint64_t pwc_hits = 0;    // walks shortened by a paging-structure cache
  uint64_t nested_tlb_hits = 0;
  uint64_t refs_histogram[kMaxRefs + 1] = {};
  void record(unsigned guest, unsigned ept) {
    ++count;
    guest_refs += guest;
    ept_refs += ept;
    mem_refs += guest + ept;
    ++refs_histogram[guest + ept < kMaxRefs ? guest + ept : kMaxRefs];
  }
};

// A backend's own consistency check failed (e.g. the shadow audit): the
// machine ends the run as `crash` with this message (DESIGN §8).
class MmuFatal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Mmu {
 public:
  virtual ~Mmu() = default;
  virtual const char* name() const = 0;
  // The TLB the backend may flush on its own account (shadow zaps, VM
  // entries and exits without VPID).
  void attach_tlb(Tlb* tlb) { tlb_ = tlb; }

  // Resolve an access that missed the TLB: the hardware walk, and whatever
  // hypervisor work finishes it (lazy fills, counted as exits). Returns true
  // and fills 'out', or false and fills 'fault' with the #PF to deliver.
  virtual bool translate(const PagingState& ps, const AccessRequest& req, Translation& out,
                         PageFault& fault) = 0;
  // Host pointer for the 4 KiB frame at physical address 'pa' (in the space
  // Translation::pbase uses), or null when it is not memory.
  virtual uint8_t* host_of(uint64_t pa) = 0;
  // VPID that tags this guest's TLB entries (0: none, as on bare metal).
  virtual uint16_t vpid() const { return 0; }
  // A write to a page translated with watch_writes was just performed.
  virtual void on_watched_write(uint64_t pa, unsigned len) { (void)pa, (void)len; }

  // The guest's paging-control events, after the CPU has applied their
  // architectural effect on the TLB (SDM Vol. 3A, 4.10.4).
  virtual void on_cr3_load(const PagingState& ps, bool flushed) { (void)ps, (void)flushed; }
  virtual void on_invlpg(const PagingState& ps, uint64_t va) { (void)ps, (void)va; }
  virtual void on_invpcid(const PagingState& ps, unsigned type, uint16_t pcid, uint64_t va) {
    (void)ps, (void)type, (void)pcid, (void)va;
  }
  virtual void on_paging_mode_change(const PagingState& ps) { (void)ps; }
  // The guest touched device memory at 'pa' through linear address 'la'
  // (before the device sees it): a backend under a hypervisor counts the
  // exit and the emulator's software walk of the guest's tables.
  virtual void on_mmio_access(const PagingState& ps, uint64_t la, uint64_t pa) { (void)ps, (void)la, (void)pa; }

  // Host frames holding the backend's own tables, at their peak.
  virtual uint64_t shadow_pages_peak() const { return 0; }
  virtual uint64_t shadow_pages_live() const { return 0; }
  virtual uint64_t ept_pages_peak() const { return 0; }

  const WalkStats& walks() const { return walks_; }

 protected:
  Tlb* tlb_ = nullptr;
  WalkStats walks_;
};

}  // namespace vmsim
