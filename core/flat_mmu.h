// Flat identity translation: GVA = GPA, every page present, writable, user
// and executable. It is the backend of the user-level tests, the benchmark
// and the fuzz target, where paging is not the subject. It makes no walks.
#pragma once
#include "core/guest_ram.h"
#include "core/mmu.h"

namespace vmsim {

class FlatMmu final : public Mmu {
 public:
  explicit FlatMmu(GuestRam& ram) : ram_(ram) {}
  const char* name() const override { return "flat"; }
  bool translate(const PagingState&, const AccessRequest& req, Translation& out, PageFault& fault) override {
    const uint64_t pa = req.va.value & ~kPageMask;
    uint8_t* host = ram_.host_ptr(Gpa(pa));
    if (!host) {  // outside RAM: report it as a not-present page
      fault.error_code = (req.kind == Access::Write ? 2u : 0u) | (req.user ? 4u : 0u) |
                         (req.kind == Access::Fetch ? 16u : 0u);
      fault.address = req.va;
      return false;
    }
    out = Translation{Gva(pa), PageSize::k4K, pa, host, true, true, false, false, true, false};
    return true;
  }
  uint8_t* host_of(uint64_t pa) override { return ram_.host_ptr(Gpa(pa)); }

 private:
  GuestRam& ram_;
};

}  // namespace vmsim
