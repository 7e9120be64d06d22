// The `native` backend (DESIGN §1): no hypervisor. The guest owns the MMU;
// a TLB miss is a one-dimensional hardware walk of the guest's own tables in
// guest-physical memory, optionally shortened by paging-structure caches.
// Nothing ever exits.
#pragma once
#include <memory>

#include "core/guest_ram.h"
#include "core/mmu.h"
#include "core/pwc.h"

namespace vmsim {

class NativeMmu final : public Mmu {
 public:
  // 'pwc': model the paging-structure caches (walk.pwc).
  NativeMmu(GuestRam& ram, bool pwc, const PwcGeometry& g = {});
  const char* name() const override { return "native"; }
  bool translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) override;
  uint8_t* host_of(uint64_t pa) override { return ram_.host_ptr(Gpa(pa)); }

  // SDM Vol. 3A, 4.10.4.1: which paging-structure-cache entries each
  // operation invalidates.
  void on_cr3_load(const PagingState& ps, bool flushed) override;
  void on_invlpg(const PagingState& ps, uint64_t va) override;
  void on_invpcid(const PagingState& ps, unsigned type, uint16_t pcid, uint64_t va) override;
  void on_paging_mode_change(const PagingState& ps) override;

 private:
  GuestRam& ram_;
  std::unique_ptr<Pwc> pwc_;
};

// Paging-structure entries read straight from guest RAM. An entry outside RAM
// reads as all ones, as a PC bus returns for nothing there, which makes it a
// reserved-bit fault rather than a host crash.
struct GuestRamTables {
  GuestRam& ram;
  uint64_t floating = ~0ull;
  uint64_t* entry(uint64_t pa, unsigned) {
    if (uint8_t* p = ram.host_ptr(Gpa(pa))) return reinterpret_cast<uint64_t*>(p);
    floating = ~0ull;
    return &floating;
  }
};

// The references a hypervisor's software walk of the guest's tables makes to
// reach 'la' (an emulator decoding a device access): read-only, no A/D
// updates, stopping at a non-present entry or a leaf.
unsigned guest_walk_refs(GuestRam& ram, uint64_t cr3, uint64_t la);

}  // namespace vmsim
