#include "cpu/cpu.h"

#include <algorithm>

#include "cpu/decoder.h"

namespace vmsim::cpu {

Cpu::Cpu(Mmu& mmu, GuestRam& ram, Platform& platform, const TlbGeometry& tlb)
    : mmu_(mmu), ram_(ram), platform_(platform), tlb_(tlb), decoder_(new Decoder()) {
  s.refresh_seg_bases();
  tlb_.set_mirror(this);
  mmu_.attach_tlb(&tlb_);
}

Cpu::~Cpu() { delete decoder_; }

const Insn* Cpu::decode_at(CodePage* cp, uint64_t rip) {
  const unsigned off = rip & kPageMask;
  const unsigned avail = kPageSize - off;
  ++stats_.decoded;
  if (avail >= kMaxInsnLen) {
    Insn* d = cp->alloc();
    decoder_->decode(cp->host + off, kMaxInsnLen, s.mode, *d);
    cp->slot[off] = d;
    return d;
  }
  // Near the end of the page: decode from what is here if it suffices.
  Insn tmp;
  if (decoder_->decode(cp->host + off, avail, s.mode, tmp)) {
    Insn* d = cp->alloc();
    *d = tmp;
    cp->slot[off] = d;
    return d;
  }
  // The instruction straddles two pages: fetch the rest from the next page
  // (which may fault) and do not cache the result.
  uint8_t buf[kMaxInsnLen];
  std::memcpy(buf, cp->host + off, avail);
  const uint8_t* next = translate(rip + avail, Access::Fetch);
  if (!next) raise(kUD);
  std::memcpy(buf + avail, next, kMaxInsnLen - avail);
  decoder_->decode(buf, kMaxInsnLen, s.mode, cross_page_insn_);
  return &cross_page_insn_;
}

void Cpu::execute_page() {
  const Insn* d = nullptr;
  try {
    // Fetching the page can fault (a branch to an unmapped or non-canonical
    // address): that is delivered like any fault, with RIP on the target.
    CodePage* cp = fetch_page(s.rip());
    // RIP, the instruction count and the limit live in host registers here;
    // handlers see the architectural values in memory (RIP of the next
    // instruction, icount_ of the instructions retired before this one).
    uint64_t rip = s.rip();
    const uint64_t page = rip & ~kPageMask;
    const uint64_t limit = limit_;
    uint64_t n = icount_;
    d = cp->slot[rip & kPageMask];
    for (;;) {
      if (!d) [[unlikely]] d = decode_at(cp, rip);
      const uint64_t next = rip + d->len;
      s.r[kRip] = next;
      d->fn(*this, *d);
      icount_ = ++n;
      const uint64_t now = s.r[kRip];
      if (((now ^ page) >= kPageSize) | (events_ != 0) | (n >= limit)) break;
      const Insn* nd = cp->slot[now & kPageMask];
      // Straight-line code decoded in order sits in consecutive records.
      // When the next record is the one after this (a branch the host
      // predicts), continue from values computed in registers rather than
      // from the loads, so the host need not wait for the store of RIP and
      // the slot lookup before it starts on the next instruction. The empty
      // asm keeps the compiler from substituting the loaded values.
      const Insn* after = d + 1;
      if (now == next && nd == after) [[likely]] {
        uint64_t r = next;
        asm("" : "+r"(r), "+r"(after));
        rip = r;
        d = after;
      } else {
        rip = now;
        d = nd;
      }
    }
  } catch (const GuestException& e) {
    // A fault leaves RIP on the instruction (the handler changed nothing
    // before it faulted); a trap leaves it after, and the trap retires it.
    if (d && !e.trap) s.r[kRip] -= d->len;
    if (d && e.trap) ++icount_;
    deliver(e);
  }
}

void Cpu::deliver(const GuestException& e) {
  if (stop_on_exception_) {
    // Tests and fuzzing: report the exception instead of delivering it.
    ++stats_.exceptions[e.vector & 31];
    if (e.vector == kPF) s.cr2 = e.cr2;
    result_.exception = e;
    result_.reason = StopReason::Exception;
    stop_requested_ = true;
    events_ |= kEventStop;
    return;
  }
  // Through the IDT (cpu/interrupts.cpp). Software interrupts are delivered
  // by their handlers; a trap arriving here is one of them all the same.
  deliver_event(Event{e.vector, e.trap ? EventKind::Software : EventKind::Exception, e.has_error, e.error, e.cr2});
}

// The run loop. Between calls to execute_page (one code page's worth of
// straight-line execution) it services the platform: device events fall due
// exactly at next_event() because the loop's instruction limit stops there,
// pending interrupts are delivered when IF allows and no interrupt shadow is
// in force, and a halted CPU lets device time pass (cpu/interrupts.cpp).
// Instructions that can change what the platform reports (port I/O, MSRs,
// sti, popf, iret, hlt...) set kEventPlatform, which ends execute_page's
// loop with the same single check it makes for every event.
RunResult Cpu::run(uint64_t max_instructions) {
  const uint64_t end = icount_ + max_instructions;
  result_ = RunResult{};
  stop_requested_ = false;
  events_ = 0;
  next_event_ = platform_.next_event();
  irq_poll_ = true;
  uint64_t idle_budget = max_instructions;
  while (icount_ < end) {
    if (!service_platform(idle_budget) || (events_ & kEventStop)) break;
    events_ = 0;  // execute_page fetches afresh; a device's platform_changed() was just served
    const uint64_t room = next_event_ - now();  // > 0 after service_platform
    limit_ = icount_ + std::min(room, end - icount_);
    if (shadow_end_ > icount_) limit_ = std::min(limit_, shadow_end_);
    execute_page();
    code_.release_retired();
    if (events_ & kEventStop) break;
    if (events_ & kEventPlatform) {
      next_event_ = platform_.next_event();
      irq_poll_ = true;
    }
    events_ = 0;
  }
  if (!stop_requested_) result_.reason = StopReason::Budget;
  else if (result_.reason == StopReason::Budget) result_.reason = StopReason::Requested;
  return result_;
}

void Cpu::raise_unimplemented(const Insn& d) {
  ++stats_.unimplemented[d.op];
  raise(kUD);
}

}  // namespace vmsim::cpu
