#include "core/cost_model.h"

#include <cmath>
#include <string>

#include "core/config.h"
#include "core/counters.h"

namespace vmsim {

CostModel CostModel::from_config(const Config& c) {
  CostModel m;
  m.instruction = c.get_double("cost.instruction");
  m.walk_ref = c.get_double("cost.walk_ref");
  m.pwc_hit = c.get_double("cost.pwc_hit");
  m.vmexit = c.get_double("cost.vmexit");
  for (int k = 0; k < static_cast<int>(TrapKind::kCount); ++k)
    m.trap[k] = c.get_double(std::string("cost.handler.") + trap_kind_name(static_cast<TrapKind>(k)));
  m.injected_event = c.get_double("cost.injected_event");
  m.tlb_flush = c.get_double("cost.tlb_flush");
  return m;
}

nlohmann::json model_cycles(const Counters& c, const CostModel& m) {
  // Events injected at VM entry: true guest page faults under shadow paging
  // (the exit, then the #PF injected) and external interrupts, which under a
  // hypervisor arrive by an exit and are injected. Both are 0 under native.
  const uint64_t injected = c.vmx.traps[static_cast<int>(TrapKind::ShadowGuestFault)] +
                            c.vmx.by_reason[static_cast<int>(ExitReason::ExternalInterrupt)];
  double handlers = 0;
  for (int k = 0; k < static_cast<int>(TrapKind::kCount); ++k) handlers += m.trap[k] * c.vmx.traps[k];
  // Whole cycles, so that results compare exactly and read easily.
  auto cyc = [](double x) { return static_cast<uint64_t>(std::llround(x)); };
  const uint64_t parts[] = {cyc(m.instruction * c.instructions), cyc(m.walk_ref * c.walks.mem_refs),
                            cyc(m.pwc_hit * c.walks.pwc_hits),   cyc(m.vmexit * c.vmx.exits),
                            cyc(handlers),                       cyc(m.injected_event * injected),
                            cyc(m.tlb_flush * c.tlb_flushes)};
  uint64_t total = 0;
  for (uint64_t p : parts) total += p;
  return {{"total", total},           {"instructions", parts[0]}, {"walks", parts[1]},
          {"pwc_hits", parts[2]},     {"vmexits", parts[3]},      {"handlers", parts[4]},
          {"injected_events", parts[5]}, {"tlb_flushes", parts[6]}};
}

}  // namespace vmsim
