// The counters of DESIGN §5, per run and per region of interest. A counter
// exists here only once the code that measures it exists; the ROI counters
// are differences of totals taken at the ROI markers.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/cost_model.h"
#include "core/mmu.h"
#include "core/tlb.h"
#include "core/vmx.h"

namespace vmsim {

struct Counters {
  uint64_t instructions = 0;
  uint64_t guest_exceptions[32] = {};  // by vector, as delivered to (or raised in) the guest
  uint64_t external_interrupts = 0;    // delivered through the IDT (the APIC timer, IPIs)
  uint64_t software_interrupts = 0;    // int n with n >= 32

  // TLB (DESIGN §5 `tlb`). lookups: every data access and every entry into a
  // code page; misses: lookups that missed every level and started a walk.
  uint64_t tlb_lookups = 0;
  uint64_t tlb_l1_misses = 0;
  uint64_t tlb_stlb_hits = 0;
  uint64_t tlb_misses = 0;
  uint64_t tlb_flushes = 0;
  uint64_t tlb_flushes_full = 0;
  uint64_t tlb_flushes_single = 0;
  uint64_t tlb_flushes_by_cause[static_cast<int>(FlushCause::kCount)] = {};

  WalkStats walks;
  VmxStats vmx;  // exits, traps and the hypervisor's software walks

  // Peaks are not differences: in the ROI they are the peaks reached by the
  // end of the ROI.
  uint64_t host_frames_peak = 0;
  uint64_t shadow_pages_peak = 0;
  uint64_t shadow_pages_live = 0;  // a level: the count at the snapshot (end of run or ROI)
  uint64_t ept_pages_peak = 0;

  Counters& operator+=(const Counters& o);
  Counters operator-(const Counters& o) const;
};

// JSON names of exception vectors ("page_fault", ...).
const char* exception_name(unsigned vector);
// The COUNTERS object of DESIGN §5, with `model_cycles` estimated by m.
nlohmann::json to_json(const Counters& c, const CostModel& m);
// The same with the default cost model (every cost.* key at its default).
nlohmann::json to_json(const Counters& c);

}  // namespace vmsim
