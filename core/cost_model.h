// The cost model of DESIGN §7: a linear estimate that turns the counters of
// a run into cycles, so modes can be compared on one scale. It is an
// estimate for comparing modes, never a measured time; every constant is a
// `cost.*` configuration key whose default and source are in core/config.cpp.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/vmx.h"

namespace vmsim {

class Config;
struct Counters;

struct CostModel {
  double instruction = 1;       // per retired instruction
  double walk_ref = 0;          // per page-walk memory reference
  double pwc_hit = 0;           // per walk shortened by a paging-structure cache
  double vmexit = 0;            // per VM exit + entry round trip
  double trap[static_cast<int>(TrapKind::kCount)] = {};  // handler work, per trap kind
  double injected_event = 0;    // per event injected at VM entry
  double tlb_flush = 0;         // per flush operation (the refills are walks)

  static CostModel from_config(const Config& c);
};

// The breakdown of DESIGN §5 `model_cycles`: {total, instructions, walks,
// pwc_hits, vmexits, handlers, injected_events, tlb_flushes}, in cycles.
nlohmann::json model_cycles(const Counters& c, const CostModel& m);

}  // namespace vmsim
