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
  ++stats_.exceptions[e.vector & 31];
  if (e.vector == kPF) s.cr2 = e.cr2;
  // Interrupt-descriptor-table delivery belongs to the system-level CPU.
  // Without it, an exception ends the run: as a reported exception when the
  // caller asked for that, otherwise as a triple fault (DESIGN §3: an
  // exception before the guest loads an IDT is a triple fault).
  result_.exception = e;
  result_.reason = stop_on_exception_ ? StopReason::Exception : StopReason::TripleFault;
  stop_requested_ = true;
  events_ |= kEventStop;
}

RunResult Cpu::run(uint64_t max_instructions) {
  limit_ = icount_ + max_instructions;
  result_ = RunResult{};
  stop_requested_ = false;
  events_ = 0;
  while (icount_ < limit_) {
    execute_page();
    code_.release_retired();
    if (events_ & kEventStop) break;
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
