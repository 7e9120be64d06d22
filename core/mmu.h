// The interface every MMU backend implements (DESIGN §1, §2). The CPU calls
// it only on a TLB miss and for the guest's paging-control events; it never
// knows which backend is behind it.
#pragma once
#include <cstdint>

#include "core/types.h"

namespace vmsim {

// The architectural paging state the hardware walk depends on.
struct PagingState {
  uint64_t cr0 = 0;
  uint64_t cr3 = 0;
  uint64_t cr4 = 0;
  uint64_t efer = 0;
};

// One access that missed the TLB.
struct AccessRequest {
  Gva va;
  Access kind = Access::Read;
  bool user = false;  // CPL 3 (and not an implicit supervisor access)
};

// What a TLB entry caches: the page, its effective permissions, and the host
// frame behind it.
struct Translation {
  Gva page_va;        // base of the (possibly large) page
  PageSize size = PageSize::k4K;
  Gpa gpa;            // guest-physical address of the 4 KiB frame holding va
  uint8_t* host = nullptr;  // host pointer to the 4 KiB frame holding va
  bool writable = false;
  bool user = false;
  bool executable = false;
  bool global = false;
  bool dirty = false;  // a write through this entry needs no further walk
};

// A page fault the guest must see (DESIGN §1: identical in every mode).
struct PageFault {
  uint32_t error_code = 0;
  Gva address;
};

class Mmu {
 public:
  virtual ~Mmu() = default;
  virtual const char* name() const = 0;
  // Resolve an access that missed the TLB. Returns true and fills 'out', or
  // returns false and fills 'fault' with the #PF the guest must receive.
  virtual bool translate(const PagingState& ps, const AccessRequest& req, Translation& out,
                         PageFault& fault) = 0;
};

}  // namespace vmsim
