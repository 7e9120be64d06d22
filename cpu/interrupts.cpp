// Interrupt and exception delivery through the IDT (SDM Vol. 3A, chapter 6),
// the double-fault and triple-fault rules, and what happens between
// instructions: external interrupts, the interrupt shadow, halting.
//
// Delivery is all-or-nothing: every check and memory access that can fault
// (gate, code segment, TSS, the new stack) happens before any register
// changes, so a fault during delivery leaves the state of the interrupted
// instruction for the next event, as on hardware.
#include <algorithm>

#include "cpu/system.h"

namespace vmsim::cpu {

namespace {

const char* vector_name(unsigned v) {
  static const char* const kNames[32] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF",
      "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "vector 22", "vector 23", "vector 24", "vector 25",
      "vector 26", "vector 27", "vector 28", "vector 29", "vector 30", "vector 31"};
  return v < 32 ? kNames[v] : "vector";
}

std::string describe(const Event& e) {
  std::string out;
  switch (e.kind) {
    case EventKind::External: return "external interrupt " + hex(e.vector);
    case EventKind::Software:
      out = e.vector == kBP ? "int3" : "int " + hex(e.vector);
      return out;
    case EventKind::Exception: break;
  }
  out = vector_name(e.vector);
  if (e.has_error || e.vector == kPF) {
    out += " (error " + hex(e.error);
    if (e.vector == kPF) out += ", address " + hex(e.cr2);
    out += ")";
  }
  return out;
}

const char* mode_name(CpuMode m) {
  switch (m) {
    case CpuMode::Long64: return "64-bit mode";
    case CpuMode::Compat32: return "compatibility mode";
    case CpuMode::Prot32: return "32-bit protected mode";
  }
  return "?";
}

// SDM Vol. 3A, Table 6-4: exception classes for the double-fault rules.
enum class Class { Benign, Contributory, PageFault };
Class class_of(const Event& e) {
  if (e.kind != EventKind::Exception) return Class::Benign;  // INT n, INTR
  switch (e.vector) {
    case kDE: case kTS: case kNP: case kSS: case kGP: return Class::Contributory;
    case kPF: return Class::PageFault;
    default: return Class::Benign;
  }
}

// SDM Vol. 3A, Table 6-5: a second exception while delivering the first
// becomes #DF for contributory + contributory and for page fault + page
// fault or contributory; otherwise the two are handled serially (the second
// is delivered; the first recurs when its instruction runs again).
bool makes_double_fault(const Event& first, const Event& second) {
  const Class a = class_of(first), b = class_of(second);
  if (a == Class::Contributory) return b == Class::Contributory;
  if (a == Class::PageFault) return b != Class::Benign;
  return false;
}

constexpr uint64_t kGateInterrupt = 0xE, kGateTrap = 0xF;  // 32- or 64-bit, by mode

}  // namespace

void Cpu::deliver_event(const Event& first) {
  Event cur = first;
  std::string chain;
  // Why the first exception was raised, if its handler said (kept for the
  // triple-fault message).
  const std::string first_note = std::move(note_);
  for (;;) {
    note_.clear();
    if (cur.kind == EventKind::Exception && cur.vector == kPF) s.cr2 = cur.cr2;  // SDM 4.7
    if (cur.kind != EventKind::External) {
      if (cur.vector < 32) ++stats_.exceptions[cur.vector];
      else ++stats_.software_interrupts;
      if (observer_ && cur.vector < 32) observer_->on_guest_exception(cur.vector, cur.error, cur.cr2, s.rip());
    }
    try {
      idt_deliver(cur);
      return;
    } catch (const GuestException& g) {
      if (chain.empty())
        chain = describe(first) + " at rip " + hex(s.rip()) + " (CPL " + std::to_string(s.cpl) + ", " +
                mode_name(s.mode) + (first_note.empty() ? "" : ": " + first_note) + ")";
      const Event next{g.vector, EventKind::Exception, g.has_error, g.error, g.cr2};
      if (next.vector == kPF) s.cr2 = next.cr2;  // even when it becomes #DF
      chain += std::string(chain.find("; delivering") == std::string::npos ? "; delivering it" : "; delivering that") +
               " raised " + describe(next);
      if (!note_.empty()) chain += ": " + note_;
      if (cur.kind == EventKind::Exception && cur.vector == kDF) {
        triple_fault(first, chain);
        return;
      }
      if (makes_double_fault(cur, next)) {
        chain += ", which makes a double fault (#DF)";
        cur = Event{kDF, EventKind::Exception, true, 0, 0};
      } else {
        cur = next;
      }
    }
  }
}

void Cpu::triple_fault(const Event& first, const std::string& why) {
  result_.exception = GuestException{first.vector, first.has_error, first.error, first.cr2,
                                     first.kind == EventKind::Software};
  result_.reason = StopReason::TripleFault;
  result_.message = "triple fault: " + why;
  stop_requested_ = true;
  events_ |= kEventStop;
}

void Cpu::software_interrupt(uint8_t vector, EventKind kind) {
  if (stop_on_exception_) raise_trap(vector);
  idt_deliver(Event{vector, kind, false, 0, 0});
  if (observer_ && vector < 32) observer_->on_guest_exception(vector, 0, 0, s.rip());
  if (vector < 32) ++stats_.exceptions[vector];
  else ++stats_.software_interrupts;
}

// One delivery attempt. Throws the fault that stops it.
void Cpu::idt_deliver(const Event& e) {
  const uint32_t ext = e.kind == EventKind::Software ? 0 : 1;
  const uint32_t idt_error = uint32_t{e.vector} * 8 + 2 + ext;  // SDM 6.13: IDT flag
  const bool long_idt = ia32e(*this);
  const uint64_t entry = long_idt ? 16 : 8;
  const uint64_t off = uint64_t{e.vector} * entry;
  if (off + entry - 1 > s.idtr.limit) {
    note("vector " + hex(e.vector) + " is beyond the IDT limit " + hex(s.idtr.limit));
    raise(kGP, idt_error);
  }
  uint64_t gate[2] = {0, 0};
  read_sys(s.idtr.base + off, gate, entry);
  // SDM 6.14.1: in IA-32e mode only 64-bit interrupt and trap gates; the
  // upper half's type field must be 0. In legacy mode vmsim supports the
  // 32-bit interrupt and trap gates (no task gates, no 16-bit gates).
  const unsigned type = (gate[0] >> 40) & 0x1F;  // S and type
  if ((type != kGateInterrupt && type != kGateTrap) || (long_idt && ((gate[1] >> 40) & 0x1F) != 0)) {
    note("IDT entry " + hex(e.vector) + " is not an interrupt or trap gate (type " + hex(type) + ")");
    raise(kGP, idt_error);
  }
  // SDM 6.12.1.1: software interrupts check the gate's DPL (int n, int3,
  // into; not exceptions, not external interrupts).
  const unsigned gate_dpl = (gate[0] >> 45) & 3;
  if (e.kind == EventKind::Software && gate_dpl < s.cpl) {
    note("the gate's DPL " + std::to_string(gate_dpl) + " is below the CPL " + std::to_string(s.cpl));
    raise(kGP, idt_error);
  }
  if (!((gate[0] >> 47) & 1)) {
    note("IDT entry " + hex(e.vector) + " is not present");
    raise(kNP, idt_error);
  }
  const uint16_t sel = static_cast<uint16_t>(gate[0] >> 16);
  uint64_t target = (gate[0] & 0xFFFF) | ((gate[0] >> 32) & 0xFFFF0000);
  if (long_idt) target |= gate[1] << 32;
  const unsigned ist = long_idt ? (gate[0] >> 32) & 7 : 0;

  Segment cs = check_handler_code(*this, sel, ext);
  const unsigned dpl = (cs.attr & seg_attr::kDpl) >> seg_attr::kDplShift;
  const uint8_t new_cpl = static_cast<uint8_t>((cs.attr & seg_attr::kConforming) ? s.cpl : dpl);
  const bool to_inner = new_cpl < s.cpl;
  cs.selector = static_cast<uint16_t>((sel & ~3u) | new_cpl);
  const uint64_t old_rsp = s.r[RSP];
  const uint64_t flags = s.rflags;

  if (long_idt) {
    // SDM 6.14.2, 6.14.4, 6.14.5: a privilege change takes RSPn from the
    // 64-bit TSS, a nonzero IST the ISTn entry (at any privilege); the stack
    // is then aligned to 16 bytes and the frame is SS, RSP, RFLAGS, CS, RIP
    // and the error code, 8 bytes each.
    uint64_t rsp = old_rsp;
    if (to_inner || ist) {
      const uint32_t at = ist ? 0x24 + (ist - 1) * 8 : 4 + new_cpl * 8;
      if (at + 7 > s.tr.limit) {
        note("the TSS (limit " + hex(s.tr.limit) + ") has no " +
             (ist ? "IST" + std::to_string(ist) : "RSP" + std::to_string(new_cpl)));
        raise(kTS, sel_index(s.tr.selector) | ext);
      }
      read_sys(s.tr.base + at, &rsp, 8);
    }
    if (!is_canonical(rsp)) {
      note("the handler's stack pointer " + hex(rsp) + " is not canonical");
      raise(kSS, ext);
    }
    if (!is_canonical(target)) {
      note("the handler's address " + hex(target) + " is not canonical");
      raise(kGP, ext);
    }
    rsp &= ~uint64_t{15};
    uint64_t frame[6];
    int n = 0;
    if (e.has_error) frame[n++] = e.error;
    frame[n++] = s.rip();
    frame[n++] = s.seg[CS].selector;
    frame[n++] = flags;
    frame[n++] = old_rsp;
    frame[n++] = s.seg[SS].selector;
    rsp -= n * 8;
    write_sys(rsp, frame, n * 8, new_cpl);
    if (to_inner) s.seg[SS] = Segment{new_cpl, 0, 0, static_cast<uint16_t>(new_cpl << seg_attr::kDplShift)};
    s.r[RSP] = rsp;
  } else {
    // Legacy protected mode, 32-bit gates: an inner privilege level takes
    // SSn:ESPn from the 32-bit TSS (SDM 6.12.1, 7.2.1).
    uint32_t esp = static_cast<uint32_t>(old_rsp);
    uint64_t ss_base = s.seg[SS].base;
    Segment new_ss;
    if (to_inner) {
      const uint32_t at = 4 + new_cpl * 8;
      if (at + 5 > s.tr.limit) {
        note("the TSS (limit " + hex(s.tr.limit) + ") has no SS" + std::to_string(new_cpl) + ":ESP" +
             std::to_string(new_cpl));
        raise(kTS, sel_index(s.tr.selector) | ext);
      }
      uint8_t raw[6];
      read_sys(s.tr.base + at, raw, 6);
      esp = static_cast<uint32_t>(raw[0] | raw[1] << 8 | raw[2] << 16 | uint32_t{raw[3]} << 24);
      const uint16_t ss_sel = static_cast<uint16_t>(raw[4] | raw[5] << 8);
      if (sel_null(ss_sel)) raise(kTS, ext);
      Descriptor d = read_descriptor(*this, ss_sel, ext);
      if (sel_rpl(ss_sel) != new_cpl || d.dpl() != new_cpl || !d.data() || !(d.type() & 2)) {
        note("the TSS's SS" + std::to_string(new_cpl) + " " + hex(ss_sel) + " is not a writable data segment");
        raise(kTS, sel_index(ss_sel) | ext);
      }
      if (!d.present()) raise(kSS, sel_index(ss_sel) | ext);
      set_accessed(*this, d);
      new_ss = to_segment(ss_sel, d);
      ss_base = new_ss.base;
    }
    if (target > cs.limit) {
      note("the handler's address " + hex(target) + " is beyond its code segment limit");
      raise(kGP, ext);
    }
    uint32_t frame[6];
    int n = 0;
    if (e.has_error) frame[n++] = e.error;
    frame[n++] = static_cast<uint32_t>(s.rip());
    frame[n++] = s.seg[CS].selector;
    frame[n++] = static_cast<uint32_t>(flags);
    if (to_inner) {
      frame[n++] = static_cast<uint32_t>(old_rsp);
      frame[n++] = s.seg[SS].selector;
    }
    esp -= n * 4;
    write_sys(static_cast<uint32_t>(ss_base + esp), frame, n * 4, new_cpl);
    if (to_inner) s.seg[SS] = new_ss;
    s.r[RSP] = esp;
  }

  // SDM 6.12.1: TF, NT, RF and VM are cleared; an interrupt gate clears IF.
  s.rflags &= ~(fl::TF | fl::NT | fl::RF | fl::VM);
  if (type == kGateInterrupt) s.rflags &= ~fl::IF;
  commit_cs(*this, cs, target);
}

bool Cpu::service_platform(uint64_t& idle_budget) {
  for (;;) {
    if (now() >= next_event_) {
      platform_.advance(now());
      next_event_ = std::max(platform_.next_event(), now() + 1);
      irq_poll_ = true;
    }
    // SDM 6.8.1, 6.8.3: a maskable interrupt is taken at an instruction
    // boundary when IF = 1 and no interrupt shadow is in force.
    if (irq_poll_ && (s.rflags & fl::IF) && icount_ >= shadow_end_) {
      const int v = platform_.pending_interrupt();
      if (v < 0) {
        irq_poll_ = false;
      } else {
        platform_.acknowledge_interrupt(static_cast<uint8_t>(v));
        s.halted = false;
        ++stats_.interrupts;
        deliver_event(Event{static_cast<uint8_t>(v), EventKind::External, false, 0, 0});
        if (events_ & kEventStop) return false;
        continue;  // the next instruction boundary: another may be deliverable
      }
    }
    if (!s.halted) return true;
    // Halted: nothing retires; the clock jumps to the next device event.
    if (!(s.rflags & fl::IF) || next_event_ == ~0ull) {
      result_.reason = StopReason::Halted;
      result_.message = !(s.rflags & fl::IF)
                            ? "the CPU halted with interrupts disabled (hlt with IF=0) at rip " + hex(s.rip())
                            : "the CPU halted with no pending event to wake it at rip " + hex(s.rip());
      stop_requested_ = true;
      return false;
    }
    const uint64_t gap = next_event_ - now();
    if (gap > idle_budget) {  // bound the work of one run() call; stay halted
      halted_ticks_ += idle_budget;
      idle_budget = 0;
      return false;
    }
    idle_budget -= gap;
    halted_ticks_ += gap;
  }
}

}  // namespace vmsim::cpu
