#include "core/counters.h"

namespace vmsim {

Counters& Counters::operator+=(const Counters& o) {
  instructions += o.instructions;
  for (int i = 0; i < 32; ++i) guest_exceptions[i] += o.guest_exceptions[i];
  return *this;
}

Counters Counters::operator-(const Counters& o) const {
  Counters r = *this;
  r.instructions -= o.instructions;
  for (int i = 0; i < 32; ++i) r.guest_exceptions[i] -= o.guest_exceptions[i];
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
  nlohmann::json exc = nlohmann::json::object();
  // The architecturally common ones always appear; the others when non-zero.
  for (unsigned v : {0u, 6u, 13u, 14u}) exc[exception_name(v)] = c.guest_exceptions[v];
  for (unsigned v = 0; v < 32; ++v)
    if (c.guest_exceptions[v]) exc[exception_name(v)] = c.guest_exceptions[v];
  return {{"instructions", c.instructions}, {"guest_exceptions", exc}};
}

}  // namespace vmsim
