// `vmsim run --trace FILE`: the events of a run as Chrome trace-event JSON,
// which Perfetto (ui.perfetto.dev) and chrome://tracing open. Timestamps are
// retired guest instructions, not host time, so a trace is deterministic;
// the viewers show them as microseconds (1 instruction = 1 "µs").
//
// The trace holds at most 'limit' events; later ones are dropped and counted
// in the trace's metadata (otherData.dropped_events). ROI boundaries are
// always kept (there are few, and an unmatched begin would confuse viewers).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/events.h"

namespace vmsim {

class TraceWriter final : public EventObserver {
 public:
  // 'clock' returns the retired instruction count, the trace's time.
  TraceWriter(std::function<uint64_t()> clock, uint64_t limit) : clock_(std::move(clock)), limit_(limit) {}

  void on_vmexit(ExitReason reason, TrapKind trap) override;
  void on_tlb_flush(FlushCause cause, bool single, uint64_t entries) override;
  void on_guest_exception(unsigned vector, uint32_t error_code, uint64_t cr2, uint64_t rip) override;
  void on_roi(bool begin) override;

  uint64_t recorded() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }
  // The whole trace; 'meta' goes into otherData beside the drop count.
  nlohmann::json to_json(const nlohmann::json& meta) const;

 private:
  enum class Kind : uint8_t { Vmexit, Flush, Exception, RoiBegin, RoiEnd };
  struct Event {
    uint64_t ts;
    Kind kind;
    uint8_t a;     // exit reason, flush cause, vector
    uint8_t b;     // trap kind, single flush
    uint32_t err;  // error code
    uint64_t x;    // cr2, entries flushed
    uint64_t rip;
  };
  bool room();
  std::function<uint64_t()> clock_;
  uint64_t limit_;
  uint64_t limited_ = 0;  // events recorded that count against the limit
  uint64_t dropped_ = 0;
  std::vector<Event> events_;
};

}  // namespace vmsim
