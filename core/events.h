// An optional observer of the machine's notable events: VM exits, TLB
// flushes, guest exceptions, ROI boundaries. Tracing (core/trace.h) uses it;
// nothing is called when no observer is set, and the TLB-hit path never
// calls it. The CPU reports only architectural events, so it stays ignorant
// of shadow paging and EPT.
#pragma once
#include <cstdint>

#include "core/tlb.h"
#include "core/vmx.h"

namespace vmsim {

class EventObserver {
 public:
  virtual ~EventObserver() = default;
  // A VM exit; 'trap' is the MMU work behind it, or TrapKind::kCount.
  virtual void on_vmexit(ExitReason reason, TrapKind trap) { (void)reason, (void)trap; }
  virtual void on_tlb_flush(FlushCause cause, bool single, uint64_t entries) {
    (void)cause, (void)single, (void)entries;
  }
  // An exception delivered to (or raised in) the guest, at 'rip'.
  virtual void on_guest_exception(unsigned vector, uint32_t error_code, uint64_t cr2, uint64_t rip) {
    (void)vector, (void)error_code, (void)cr2, (void)rip;
  }
  virtual void on_roi(bool begin) { (void)begin; }
};

}  // namespace vmsim
