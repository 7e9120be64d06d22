// Flat identity translation: GVA = GPA, every page present, writable, user
// and executable. It is the backend of the user-level tests, the benchmark
// and the fuzz target, where paging is not the subject.
#pragma once
#include "core/guest_ram.h"
#include "core/mmu.h"

namespace vmsim {

class FlatMmu final : public Mmu {
 public:
  explicit FlatMmu(GuestRam& ram) : ram_(ram) {}
  const char* name() const override { return "flat"; }
  bool translate(const PagingState&, const AccessRequest& req, Translation& out,
                 PageFault& fault) override {
    Gpa gpa(req.va.value & ~kPageMask);
    uint8_t* host = ram_.host_ptr(gpa);
    if (!host) {  // outside RAM: report it as a not-present page
      fault.error_code = (req.kind == Access::Write ? 2u : 0u) | (req.user ? 4u : 0u) |
                         (req.kind == Access::Fetch ? 16u : 0u);
      fault.address = req.va;
      return false;
    }
    out = Translation{Gva(gpa.value), PageSize::k4K, gpa, host, true, true, true, false, true};
    return true;
  }

 private:
  GuestRam& ram_;
};

}  // namespace vmsim
