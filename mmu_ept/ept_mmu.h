// The `ept` backend (DESIGN §1): the guest owns its page tables and the
// hardware walks them in two dimensions, every guest-physical address
// (guest table entries and the final one) translated through the EPT that
// the hypervisor fills lazily on EPT violations.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "core/pwc.h"
#include "core/vmx.h"

namespace vmsim {

struct EptOptions {
  PageSize page_size = PageSize::k4K;  // largest EPT leaf (ept.page_size)
  bool ad_bits = true;                 // ept.ad_bits
  bool pwc = true;                     // walk.pwc: both dimensions
  bool nested_tlb = true;              // walk.nested_tlb
  PwcGeometry geometry;
};

// The exit qualification of an EPT violation (SDM Vol. 3C, Table 28-7),
// with the guest-physical and guest-linear address fields.
struct EptViolation {
  bool read = false;
  bool write = false;
  bool fetch = false;
  bool gva_valid = false;        // bit 7: the GPA came from translating a GVA
  bool final_access = false;     // bit 8: the access itself, not a guest table
  uint64_t gpa = 0;
  uint64_t gva = 0;
};

class EptMmu final : public Mmu {
 public:
  EptMmu(Vmx& vmx, GuestRam& ram, HostMemory& host, const EptOptions& o);
  const char* name() const override { return "ept"; }
  bool translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) override;
  uint8_t* host_of(uint64_t hpa) override;
  uint16_t vpid() const override { return vmx_.guest_vpid(); }

  // Guest paging events take no exit under EPT; they flush the guest
  // dimension's paging-structure cache as on bare metal (SDM 4.10.4.1).
  void on_cr3_load(const PagingState& ps, bool flushed) override;
  void on_invlpg(const PagingState& ps, uint64_t va) override;
  void on_invpcid(const PagingState& ps, unsigned type, uint16_t pcid, uint64_t va) override;
  void on_paging_mode_change(const PagingState& ps) override;
  void on_mmio_access(const PagingState& ps, uint64_t la, uint64_t pa) override;
  uint64_t ept_pages_peak() const override { return ept_pages_peak_; }

  const EptViolation& last_violation() const { return last_violation_; }
  uint64_t violations() const { return violations_; }
  uint64_t eptp() const { return eptp_; }
  uint64_t ept_pages() const { return ept_pages_; }
  uint64_t invepts() const { return invepts_; }
  // Called with every EPT violation's qualification (tracing, tests).
  void set_violation_hook(std::function<void(const EptViolation&)> h) { hook_ = std::move(h); }

  // The EPT leaf size now mapping 'gpa', if any (tests, tracing).
  bool mapping_of(uint64_t gpa, uint64_t& hpa, PageSize& size);
  // Remove the EPT mapping that covers 'gpa' (a remap or balloon would), and
  // INVEPT so that no cached translation outlives it. The next access
  // violates and refills.
  void unmap(uint64_t gpa);
  // Single-context INVEPT (SDM Vol. 3C, 29.4.3.1): every combined and
  // guest-physical mapping derived from this EPTP, and both dimensions'
  // paging-structure caches and the nested TLB.
  void invept();

 private:
  enum class EptStatus { Ok, Violation, Misconfig };
  struct EptWalk {
    EptStatus status = EptStatus::Ok;
    uint64_t hpa = 0;                  // of the GPA asked for
    PageSize size = PageSize::k4K;     // the EPT leaf's
    unsigned refs = 0;
  };
  struct TwoDTables;

  EptWalk ept_walk(uint64_t gpa, bool write);
  uint64_t* guest_table_entry(TwoDTables& t, uint64_t gpa);
  void violation(const EptViolation& v);
  void install(uint64_t gpa);
  bool install_leaf(uint64_t gpa, unsigned level, uint64_t entry);
  uint64_t* table_at(uint64_t table_hpa, uint64_t gpa, unsigned level) const;
  bool host_contiguous(uint64_t gfn0, uint64_t frames, uint64_t gfn, uint64_t& hfn0);
  void sync_with_exits();
  void mmio_translation(uint64_t va, uint64_t gpa, Translation& out) const;

  Vmx& vmx_;
  GuestRam& ram_;
  HostMemory& host_;
  EptOptions opt_;
  uint64_t pml4_ = 0;  // HPA of the EPT PML4 table
  uint64_t eptp_ = 0;
  uint64_t ept_pages_ = 0, ept_pages_peak_ = 0;
  uint64_t violations_ = 0, invepts_ = 0;
  std::unique_ptr<Pwc> guest_pwc_;  // keyed by GVA (with VPID, PCID)
  std::unique_ptr<Pwc> ept_pwc_;    // keyed by GPA
  // The nested TLB: GPA→HPA for guest paging-structure pages, direct-mapped.
  static constexpr unsigned kNestedTlbEntries = 32;
  struct NestedEntry {
    uint64_t gfn = ~0ull;
    uint64_t hfn = 0;
  };
  std::array<NestedEntry, kNestedTlbEntries> nested_{};
  std::vector<uint8_t> guest_hfn_;  // host frames that back guest RAM mapped by the EPT
  uint64_t exits_seen_ = 0;
  EptViolation last_violation_;
  std::function<void(const EptViolation&)> hook_;
};

}  // namespace vmsim
