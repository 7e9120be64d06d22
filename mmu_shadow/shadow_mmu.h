// The `shadow` backend (DESIGN §1): write-protect shadow paging with lazy
// fill, as a software MMU-virtualizing hypervisor does it. The CPU walks
// shadow tables that map GVA straight to HPA; the hypervisor keeps them
// consistent with the guest's tables by write-protecting every guest frame
// it shadows, and fills them on hidden page faults.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "core/pwc.h"
#include "core/vmx.h"
#include "mmu_shadow/shadow_page.h"

namespace vmsim {

struct ShadowOptions {
  bool unsync = false;
  unsigned prefetch = 8;
  unsigned flood_threshold = 3;
  unsigned cached_roots = 4;
  bool audit = false;
  // walk.pwc: the CPU's paging-structure caches serve walks of the shadow
  // tables as they serve any walk (the hardware does not know the tables
  // are the hypervisor's).
  bool pwc = true;
  PwcGeometry pwc_geometry;
};

class ShadowMmu final : public Mmu {
 public:
  ShadowMmu(Vmx& vmx, GuestRam& ram, HostMemory& host, const ShadowOptions& opt);
  ~ShadowMmu() override;
  const char* name() const override { return "shadow"; }
  bool translate(const PagingState& ps, const AccessRequest& req, Translation& out, PageFault& fault) override;
  uint8_t* host_of(uint64_t pa) override;
  uint16_t vpid() const override { return vmx_.guest_vpid(); }
  void on_watched_write(uint64_t pa, unsigned len) override;
  void on_cr3_load(const PagingState& ps, bool flushed) override;
  void on_invlpg(const PagingState& ps, uint64_t va) override;
  void on_invpcid(const PagingState& ps, unsigned type, uint16_t pcid, uint64_t va) override;
  void on_paging_mode_change(const PagingState& ps) override;
  void on_mmio_access(const PagingState& ps, uint64_t la, uint64_t pa) override;
  uint64_t shadow_pages_peak() const override { return peak_; }

  uint64_t shadow_pages_live() const override { return pages_.size(); }
  // DESIGN §8's invariants; empty when they hold, else the first violation.
  std::string audit() const;
  // Whether writes to guest frame 'gfn' trap (a synced shadow page mirrors it).
  bool write_protected(uint64_t gfn) const;

 private:
  using ShadowPage = shadow::ShadowPage;
  using SptePtr = shadow::SptePtr;
  using Role = shadow::Role;
  struct HardwareWalk {
    unsigned refs = 0;
    ShadowPage* leaf_table = nullptr;  // level-1 shadow page reached, if any
    uint64_t spte = 0;                 // the leaf spte (present or MMIO)
    bool permitted = false;
  };
  // A writable translation given to the TLB, and the flush epochs it was
  // given in: a later guest flush that covers it makes it harmless.
  struct Handout {
    uint64_t va;
    uint16_t pcid;
    bool global;
    uint32_t all_epoch, pcid_epoch, nonglobal_epoch;
  };

  // The walk the CPU makes over the shadow tables (counted as hardware refs).
  HardwareWalk hardware_walk(const PagingState& ps, ShadowPage* root, uint64_t va, const AccessRequest& req);
  // A shadow page went away or a non-leaf spte changed: cached pointers
  // into the shadow tables may be stale (the hypervisor flushes them, as it
  // must flush the TLB's paging-structure caches after zapping).
  void pwc_flush() {
    if (pwc_) pwc_->flush_all();
  }
  void pwc_flush_after_exits();
  bool handle_miss(const PagingState& ps, const AccessRequest& req, const HardwareWalk& hw, Translation& out,
                   PageFault& fault);
  void install_path(const PagingState& ps, uint64_t va);
  void install_leaf(ShadowPage* sp, unsigned index, uint64_t gfn, uint8_t rights, uint64_t gpte);
  void prefetch(ShadowPage* sp, unsigned index);
  bool paging_off_translate(const AccessRequest& req, Translation& out);
  void fill_translation(const PagingState& ps, uint64_t va, uint64_t spte, Translation& out);

  // Shadow pages.
  Role role_for(const PagingState& ps) const;
  ShadowPage* root_for(const PagingState& ps);
  ShadowPage* get_page(uint64_t gfn, const Role& role);
  void link(ShadowPage* parent, unsigned index, ShadowPage* child);
  void unlink(ShadowPage* parent, unsigned index);
  void zap_spte(ShadowPage* sp, unsigned index);
  void zap_page(ShadowPage* sp);
  void unpin_root(ShadowPage* sp);

  // Write protection and the reverse map.
  void write_protect(uint64_t gfn);
  void rmap_add(uint64_t gfn, ShadowPage* sp, unsigned index);
  void rmap_remove(uint64_t gfn, ShadowPage* sp, unsigned index);
  void note_handout(uint64_t gfn, uint64_t va, uint16_t pcid, bool global);
  bool live(const Handout& h) const;
  bool host_frame(uint64_t gfn, uint64_t& hpa);
  uint64_t guest_entry(uint64_t gfn, unsigned index) const;
  void guest_table_written(ShadowPage* sp, unsigned first, unsigned last);

  // Unsync (shadow.unsync) and the audit.
  bool try_unsync(uint64_t gfn);
  void restore_write(uint64_t gfn);
  void resync_all(ExitReason reason);
  void resync(ShadowPage* sp);
  void after_exit();

  Vmx& vmx_;
  GuestRam& ram_;
  HostMemory& host_;
  ShadowOptions opt_;
  std::unordered_map<uint64_t, ShadowPage*> pages_;                // by page_key(gfn, role)
  std::unordered_map<uint64_t, std::vector<ShadowPage*>> by_gfn_;  // non-direct pages per guest table
  std::unordered_map<uint64_t, std::vector<SptePtr>> rmap_;        // leaf sptes per guest frame
  std::vector<std::vector<Handout>> handouts_;                     // per guest frame: writable translations given out
  std::vector<uint32_t> gfn_of_hfn_;                               // RAM host frame -> guest frame
  std::vector<uint32_t> pcid_epoch_ = std::vector<uint32_t>(4096);  // bumped by each guest flush of a PCID
  uint32_t all_epoch_ = 0;        // ... of everything
  uint32_t nonglobal_epoch_ = 0;  // ... of every non-global entry
  std::vector<ShadowPage*> roots_;                                 // cached roots, most recent first
  std::vector<ShadowPage*> unsync_;
  std::vector<ShadowPage*> graveyard_;  // zapped pages, freed after the exit
  ShadowPage* root_ = nullptr;
  uint64_t root_cr3_ = 0;
  uint32_t root_role_ = 0;
  uint64_t peak_ = 0;
  std::unique_ptr<Pwc> pwc_;
  uint64_t exits_seen_ = 0;
};

}  // namespace vmsim
