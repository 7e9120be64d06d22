#include "core/counters.h"

#include <algorithm>

#include "core/config.h"

namespace vmsim {

namespace {

// Apply op to every additive counter pair.
template <class Op> void each_additive(Counters& a, const Counters& b, Op op) {
  op(a.instructions, b.instructions);
  for (int i = 0; i < 32; ++i) op(a.guest_exceptions[i], b.guest_exceptions[i]);
  op(a.external_interrupts, b.external_interrupts);
  op(a.software_interrupts, b.software_interrupts);
  op(a.tlb_lookups, b.tlb_lookups);
  op(a.tlb_l1_misses, b.tlb_l1_misses);
  op(a.tlb_stlb_hits, b.tlb_stlb_hits);
  op(a.tlb_misses, b.tlb_misses);
  op(a.tlb_flushes, b.tlb_flushes);
  op(a.tlb_flushes_full, b.tlb_flushes_full);
  op(a.tlb_flushes_single, b.tlb_flushes_single);
  for (int i = 0; i < static_cast<int>(FlushCause::kCount); ++i)
    op(a.tlb_flushes_by_cause[i], b.tlb_flushes_by_cause[i]);
  op(a.walks.count, b.walks.count);
  op(a.walks.mem_refs, b.walks.mem_refs);
  op(a.walks.guest_refs, b.walks.guest_refs);
  op(a.walks.ept_refs, b.walks.ept_refs);
  op(a.walks.pwc_hits, b.walks.pwc_hits);
  op(a.walks.nested_tlb_hits, b.walks.nested_tlb_hits);
  for (unsigned i = 0; i <= WalkStats::kMaxRefs; ++i) op(a.walks.refs_histogram[i], b.walks.refs_histogram[i]);
  op(a.vmx.exits, b.vmx.exits);
  for (int i = 0; i < static_cast<int>(ExitReason::kMax); ++i) op(a.vmx.by_reason[i], b.vmx.by_reason[i]);
  for (int i = 0; i < static_cast<int>(TrapKind::kCount); ++i) op(a.vmx.traps[i], b.vmx.traps[i]);
  op(a.vmx.soft_walks, b.vmx.soft_walks);
  op(a.vmx.soft_walk_refs, b.vmx.soft_walk_refs);
}

}  // namespace

Counters& Counters::operator+=(const Counters& o) {
  each_additive(*this, o, [](uint64_t& x, uint64_t y) { x += y; });
  host_frames_peak = std::max(host_frames_peak, o.host_frames_peak);
  shadow_pages_peak = std::max(shadow_pages_peak, o.shadow_pages_peak);
  shadow_pages_live += o.shadow_pages_live;
  ept_pages_peak = std::max(ept_pages_peak, o.ept_pages_peak);
  return *this;
}

Counters Counters::operator-(const Counters& o) const {
  Counters r = *this;  // peaks and levels stay those of *this (the later snapshot)
  each_additive(r, o, [](uint64_t& x, uint64_t y) { x -= y; });
  return r;
}

const char* exception_name(unsigned v) {
  static const char* const kNames[32] = {
      "divide_error", "debug", "nmi", "breakpoint", "overflow", "bound_range", "invalid_opcode",
      "device_not_available", "double_fault", "coprocessor_segment_overrun", "invalid_tss",
      "segment_not_present", "stack_fault", "general_protection", "page_fault", "reserved_15",
      "x87_fp", "alignment_check", "machine_check", "simd_fp", "virtualization",
      "control_protection", "reserved_22", "reserved_23", "reserved_24", "reserved_25",
      "reserved_26", "reserved_27", "reserved_28", "reserved_29", "reserved_30", "reserved_31"};
  return kNames[v & 31];
}

nlohmann::json to_json(const Counters& c) {
  static const CostModel defaults = CostModel::from_config(Config());
  return to_json(c, defaults);
}

nlohmann::json to_json(const Counters& c, const CostModel& m) {
  nlohmann::json exc = nlohmann::json::object();
  // The architecturally common ones always appear; the others when non-zero.
  for (unsigned v : {0u, 6u, 13u, 14u}) exc[exception_name(v)] = c.guest_exceptions[v];
  for (unsigned v = 0; v < 32; ++v)
    if (c.guest_exceptions[v]) exc[exception_name(v)] = c.guest_exceptions[v];

  nlohmann::json causes = nlohmann::json::object();
  for (int i = 0; i < static_cast<int>(FlushCause::kCount); ++i)
    causes[flush_cause_name(static_cast<FlushCause>(i))] = c.tlb_flushes_by_cause[i];
  nlohmann::json hist = nlohmann::json::object();
  for (unsigned i = 0; i <= WalkStats::kMaxRefs; ++i)
    if (c.walks.refs_histogram[i]) hist[std::to_string(i)] = c.walks.refs_histogram[i];

  // Every reason and kind appears, zero or not, so scripts can rely on them.
  nlohmann::json reasons = nlohmann::json::object();
  for (int i = 0; i < static_cast<int>(ExitReason::kMax); ++i)
    if (const char* n = exit_reason_name(static_cast<ExitReason>(i))) reasons[n] = c.vmx.by_reason[i];
  nlohmann::json traps = nlohmann::json::object();
  for (int i = 0; i < static_cast<int>(TrapKind::kCount); ++i)
    traps[trap_kind_name(static_cast<TrapKind>(i))] = c.vmx.traps[i];
  return {
      {"instructions", c.instructions},
      {"vmexits", {{"total", c.vmx.exits}, {"by_reason", reasons}}},
      {"traps", traps},
      {"hypervisor_walks", {{"count", c.vmx.soft_walks}, {"refs", c.vmx.soft_walk_refs}}},
      {"guest_exceptions", exc},
      {"interrupts", {{"external", c.external_interrupts}, {"software", c.software_interrupts}}},
      {"tlb",
       {{"lookups", c.tlb_lookups},
        {"misses", c.tlb_misses},
        {"l1_misses", c.tlb_l1_misses},
        {"stlb_hits", c.tlb_stlb_hits},
        {"flushes",
         {{"total", c.tlb_flushes},
          {"full", c.tlb_flushes_full},
          {"single", c.tlb_flushes_single},
          {"by_cause", causes}}}}},
      {"walks",
       {{"count", c.walks.count},
        {"mem_refs", c.walks.mem_refs},
        {"guest_refs", c.walks.guest_refs},
        {"ept_refs", c.walks.ept_refs},
        {"pwc_hits", c.walks.pwc_hits},
        {"nested_tlb_hits", c.walks.nested_tlb_hits},
        {"refs_histogram", hist}}},
      {"memory",
       {{"shadow_pages_peak", c.shadow_pages_peak},
        {"shadow_pages_live", c.shadow_pages_live},
        {"ept_pages_peak", c.ept_pages_peak},
        {"host_frames_peak", c.host_frames_peak}}},
      {"model_cycles", model_cycles(c, m)},
  };
}

}  // namespace vmsim
