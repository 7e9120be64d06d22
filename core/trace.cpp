#include "core/trace.h"

#include <cstdio>

#include "core/counters.h"

namespace vmsim {

namespace {

// Tracks ("threads") the viewer shows as rows.
constexpr int kTidGuest = 1;
constexpr int kTidHypervisor = 2;
constexpr int kTidTlb = 3;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

nlohmann::json thread_name(int tid, const char* name) {
  return {{"ph", "M"}, {"pid", 1}, {"tid", tid}, {"name", "thread_name"}, {"args", {{"name", name}}}};
}

}  // namespace

bool TraceWriter::room() {
  if (limited_ < limit_) return ++limited_, true;
  ++dropped_;
  return false;
}

void TraceWriter::on_vmexit(ExitReason reason, TrapKind trap) {
  if (room())
    events_.push_back({clock_(), Kind::Vmexit, static_cast<uint8_t>(reason), static_cast<uint8_t>(trap), 0, 0, 0});
}

void TraceWriter::on_tlb_flush(FlushCause cause, bool single, uint64_t entries) {
  if (room())
    events_.push_back({clock_(), Kind::Flush, static_cast<uint8_t>(cause), single, 0, entries, 0});
}

void TraceWriter::on_guest_exception(unsigned vector, uint32_t error_code, uint64_t cr2, uint64_t rip) {
  if (room())
    events_.push_back({clock_(), Kind::Exception, static_cast<uint8_t>(vector), 0, error_code, cr2, rip});
}

void TraceWriter::on_roi(bool begin) {
  events_.push_back({clock_(), begin ? Kind::RoiBegin : Kind::RoiEnd, 0, 0, 0, 0, 0});
}

nlohmann::json TraceWriter::to_json(const nlohmann::json& meta) const {
  nlohmann::json evs = nlohmann::json::array();
  evs.push_back({{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", "vmsim"}}}});
  evs.push_back(thread_name(kTidGuest, "guest"));
  evs.push_back(thread_name(kTidHypervisor, "vmexits"));
  evs.push_back(thread_name(kTidTlb, "TLB flushes"));
  for (const Event& e : events_) {
    nlohmann::json j = {{"pid", 1}, {"ts", e.ts}};
    switch (e.kind) {
      case Kind::Vmexit: {
        j.update({{"ph", "i"}, {"s", "t"}, {"tid", kTidHypervisor}, {"cat", "vmexit"},
                  {"name", exit_reason_name(static_cast<ExitReason>(e.a))}});
        if (e.b != static_cast<uint8_t>(TrapKind::kCount))
          j["args"] = {{"trap", trap_kind_name(static_cast<TrapKind>(e.b))}};
        break;
      }
      case Kind::Flush:
        j.update({{"ph", "i"}, {"s", "t"}, {"tid", kTidTlb}, {"cat", "tlb"},
                  {"name", std::string("flush ") + flush_cause_name(static_cast<FlushCause>(e.a))},
                  {"args", {{"single", e.b != 0}, {"entries", e.x}}}});
        break;
      case Kind::Exception: {
        nlohmann::json args = {{"vector", e.a}, {"error_code", e.err}, {"rip", hex(e.rip)}};
        if (e.a == 14) args["cr2"] = hex(e.x);
        j.update({{"ph", "i"}, {"s", "t"}, {"tid", kTidGuest}, {"cat", "exception"},
                  {"name", exception_name(e.a)}, {"args", args}});
        break;
      }
      case Kind::RoiBegin:
      case Kind::RoiEnd:
        j.update({{"ph", e.kind == Kind::RoiBegin ? "B" : "E"}, {"tid", kTidGuest}, {"cat", "roi"}, {"name", "ROI"}});
        break;
    }
    evs.push_back(std::move(j));
  }
  nlohmann::json other = meta;
  other["timestamps"] = "retired guest instructions (shown as microseconds)";
  other["limit"] = limit_;
  other["recorded_events"] = events_.size();
  other["dropped_events"] = dropped_;
  return {{"traceEvents", evs}, {"displayTimeUnit", "ns"}, {"otherData", other}};
}

}  // namespace vmsim
