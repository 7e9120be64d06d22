// The interpreting vCPU. It decodes once into Insn records cached per
// guest-physical page, dispatches through each record's handler, and reaches
// memory through a small direct-mapped fast TLB (about ten host instructions
// on a hit, as in QEMU's softmmu). A miss takes the slow path to the core Mmu
// interface, which is the only place where walks, faults and counters live.
// The CPU knows nothing of shadow paging or EPT.
#pragma once
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "core/events.h"
#include "core/guest_ram.h"
#include "core/mmu.h"
#include "core/tlb.h"
#include "cpu/code_cache.h"
#include "cpu/cpuid.h"
#include "cpu/exception.h"
#include "cpu/insn.h"
#include "cpu/platform.h"
#include "cpu/state.h"

namespace vmsim::cpu {

class Decoder;

enum class StopReason : uint8_t {
  Budget,       // the instruction budget of this run() call is used up
  Halted,       // hlt with nothing to wake the CPU
  Requested,    // a device asked to stop (debug exit)
  Exception,    // stop_on_exception is set and the guest raised one
  TripleFault,  // an exception could not be delivered
};

struct RunResult {
  StopReason reason = StopReason::Budget;
  GuestException exception;  // for Exception and TripleFault: the first exception
  std::string message;       // for TripleFault and Halted: what happened, in words
};

struct CpuStats {
  uint64_t data_lookups = 0;   // data accesses, each one TLB lookup
  uint64_t fetch_lookups = 0;  // instruction-TLB lookups: one per entry into a code page
  uint64_t decoded = 0;        // instructions decoded by Zydis
  // Exceptions by vector: each one whose delivery began (a #GP that turned
  // into #DF counts as both), and int n with n < 32 once delivered.
  uint64_t exceptions[32] = {};
  uint64_t interrupts = 0;          // external interrupts delivered
  uint64_t software_interrupts = 0; // int n with n >= 32, delivered
  std::map<uint16_t, uint64_t> unimplemented;  // by ZydisMnemonic: raised as #UD
};

// An event delivered through the IDT (SDM Vol. 3A, 6.4). Software
// interrupts (int n, int3, into) are checked against the gate's DPL and
// report EXT = 0 in the error codes of the faults they cause; exceptions and
// external interrupts report EXT = 1 (SDM 6.13).
enum class EventKind : uint8_t { Exception, Software, External };
struct Event {
  uint8_t vector = 0;
  EventKind kind = EventKind::Exception;
  bool has_error = false;
  uint32_t error = 0;
  uint64_t cr2 = 0;  // for #PF
};

// 128-bit memory operand.
struct U128 {
  uint64_t lo, hi;
};

class Cpu final : private TlbMirror {
 public:
  Cpu(Mmu& mmu, GuestRam& ram, Platform& platform, const TlbGeometry& tlb = TlbGeometry::skylake());
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  CpuState s;
  CpuFeatures features;  // what CPUID advertises beyond the user-level baseline
  uint64_t tsc_offset = 0;

  // Run until 'max_instructions' more have retired or something stops the CPU.
  RunResult run(uint64_t max_instructions);
  uint64_t instructions() const { return icount_; }
  // Device time: retired instructions plus the time spent halted, counted in
  // instruction-equivalent ticks. A halted CPU retires nothing, but its clock
  // jumps to the next device event, so timers, the TSC and Platform's
  // next_event()/advance() (which use this clock) run on while it sleeps.
  uint64_t now() const { return icount_ + halted_ticks_; }
  uint64_t halted_ticks() const { return halted_ticks_; }
  // The time-stamp counter ticks once per tick of now(), so a run is
  // deterministic (DESIGN §3, §8).
  uint64_t tsc() const { return now() + tsc_offset; }
  const CpuStats& stats() const { return stats_; }
  CpuStats& stats() { return stats_; }
  // Optional: told of delivered exceptions and, through the TLB, of flushes.
  void set_observer(EventObserver* o) {
    observer_ = o;
    tlb_.set_observer(o);
  }

  // Stop at the first guest exception instead of delivering it (tests,
  // fuzzing, and guests without an IDT).
  void set_stop_on_exception(bool on) { stop_on_exception_ = on; }
  bool stop_on_exception() const { return stop_on_exception_; }
  void request_stop() {
    stop_requested_ = true;
    events_ |= kEventStop;
  }
  // Drop every fast-TLB entry (the model TLB is untouched; its L1 hits refill
  // them without a walk).
  void flush_fast_tlb();
  Tlb& tlb() { return tlb_; }
  const Tlb& tlb() const { return tlb_; }
  PagingState paging_state() const { return PagingState{s.cr0, s.cr3, s.cr4, s.efer}; }
  // After a write to guest memory that did not go through the CPU (loader,
  // devices, a hypervisor emulating a write): keep decoded code coherent.
  void notify_phys_write(Gpa gpa);

  // --- Memory access for instruction handlers ------------------------------
  template <class T> T load(uint64_t la);
  template <class T> void store(uint64_t la, T v);
  // Read-modify-write of one operand: f(old) returns the new value. Faults
  // (write permission on every byte) happen before f runs.
  template <class T, class F> void rmw(uint64_t la, F f);
  // Check that 'len' bytes at 'la' are writable, faulting now if not.
  void probe_write(uint64_t la, uint64_t len);

  Platform& platform() { return platform_; }
  // The platform's pending interrupt or next event may have changed other
  // than through advance() (an MMIO write to the local APIC, say): the CPU
  // looks at both again at the next instruction boundary. Port I/O and the
  // platform's MSRs do this themselves.
  void platform_changed() { events_ |= kEventPlatform; }

  // --- System-level CPU (cpu/interrupts.cpp, cpu/segments.cpp, cpu/msr.cpp)
  // int n, int3, into: deliver 'vector' through the IDT now, from a handler
  // (RIP already points past the instruction). A fault in the delivery is a
  // fault of the instruction. With stop_on_exception, raises a trap instead.
  void software_interrupt(uint8_t vector, EventKind kind = EventKind::Software);
  // hlt (after its checks): sleep until an interrupt is deliverable.
  void halt() {
    s.halted = true;
    events_ |= kEventPlatform;
  }
  // sti (setting IF), mov ss, pop ss: no interrupt is delivered before the
  // next instruction has retired (SDM Vol. 3A, 6.8.3).
  void inhibit_interrupts() {
    shadow_end_ = icount_ + 2;  // icount_ is the count before this instruction
    events_ |= kEventPlatform;
  }
  // MSRs (cpu/msr.cpp). False: no such MSR or a value it refuses (#GP).
  bool read_msr(uint32_t msr, uint64_t& value);
  bool write_msr(uint32_t msr, uint64_t value);
  // Implicit supervisor-mode accesses (SDM Vol. 3A, 4.6: the GDT, LDT, IDT
  // and TSS are always accessed as supervisor), or accesses at a chosen
  // privilege (the stack of an interrupt handler). Faults as any access does.
  void read_sys(uint64_t la, void* out, size_t n, uint8_t cpl = 0);
  void write_sys(uint64_t la, const void* in, size_t n, uint8_t cpl = 0);
  void probe_sys(uint64_t la, size_t n, uint8_t cpl = 0);
  // Why the last system-level check failed, for the triple-fault message
  // (set just before the fault is raised; never read on the fast path).
  void note(std::string why) { note_ = std::move(why); }

  // --- Paging control (cpu/paging_ctl.cpp) ---------------------------------
  // The architectural effects of the guest's paging-control instructions on
  // the TLBs and the MMU backend. The instruction handlers do the #GP checks
  // (reserved bits, unadvertised features) first, then call these; nothing
  // else writes CR0, CR3, CR4 or EFER.
  void set_cr0(uint64_t v);
  void set_cr3(uint64_t v);   // with CR4.PCIDE, bit 63 means "keep this PCID's entries"
  void set_cr4(uint64_t v);
  void set_efer(uint64_t v);
  void invlpg(uint64_t la);
  // INVPCID types 0-3 (SDM Vol. 2A): individual address, single context,
  // all contexts including globals, all contexts except globals.
  void invpcid(unsigned type, uint16_t pcid, uint64_t la);
  // Privilege and mode changes go through these, never through s directly:
  // the CPU caches what depends on them.
  void set_cpl(uint8_t cpl);
  // After CS, CR0.PE or EFER.LMA changed: recompute s.mode and the segment
  // bases, and refetch (the decoder depends on the mode).
  void mode_changed();

  // Execution helpers for handlers.
  void raise_unimplemented(const Insn& d);
  void mark_refetch() { events_ |= kEventRefetch; }

 private:
  friend class CpuTestAccess;
  static constexpr unsigned kFastBits = 8;
  static constexpr uint64_t kFastMask = (1u << kFastBits) - 1;
  static constexpr uint64_t kInvalidTag = 1;  // never a page-aligned address
  // Each fast entry mirrors an L1 entry of the TLB model: a fast hit is an
  // L1 hit, and records its use in that entry's LRU stamp.
  struct FastEntry {
    uint64_t tag = kInvalidTag;  // page-aligned linear address
    uintptr_t addend = 0;        // host pointer = linear address + addend
    uint64_t* stamp = nullptr;   // the model entry's LRU stamp
  };
  struct FetchEntry {
    uint64_t tag = kInvalidTag;
    CodePage* page = nullptr;
    uint64_t* stamp = nullptr;
  };
  struct FastTlb {
    FastEntry read[1u << kFastBits];
    FastEntry write[1u << kFastBits];
    FetchEntry fetch[1u << kFastBits];
  };
  // One page's part of a slow-path access, translated once.
  struct WriteSpan {
    uint8_t* host = nullptr;  // null: not memory (device memory or nothing)
    uint64_t pa = 0;
    uint64_t la = 0;
    uint32_t len = 0;
    bool watch = false;
  };
  // kEventPlatform: return to run() at this instruction boundary to look at
  // the platform (pending interrupt, next event) and the halted state.
  enum : uint32_t { kEventRefetch = 1, kEventStop = 2, kEventPlatform = 4 };

  // Slow path (cpu/memory.cpp): the TLB model, then the Mmu on a miss;
  // faults if the access is not permitted; installs fast entries. Returns the
  // host pointer for 'la' (null when it is not memory) and, for writes,
  // whether the Mmu watches them and the physical address.
  uint8_t* translate(uint64_t la, Access kind, WriteSpan* span = nullptr);
  template <class T> T load_slow(uint64_t la);
  template <class T> void store_slow(uint64_t la, T v);
  void copy_from_guest(uint64_t la, void* out, size_t n);
  // Translate every page of a write of n bytes before any byte changes.
  unsigned write_spans(uint64_t la, size_t n, WriteSpan out[2]);
  void write_to_spans(const WriteSpan* spans, unsigned count, const void* in);
  void read_from_spans(const WriteSpan* spans, unsigned count, void* out);
  void mmio_copy_in(uint64_t la, uint64_t pa, uint8_t* dst, size_t n);
  void mmio_copy_out(uint64_t la, uint64_t pa, const uint8_t* src, size_t n);
  void tlb_evicted(TlbSide side, const TlbEntry& e) override;
  void tlb_flushed() override;

  CodePage* fetch_page(uint64_t rip);
  const Insn* decode_at(CodePage* cp, uint64_t rip);
  void execute_page();
  void deliver(const GuestException& e);
  // IDT delivery (cpu/interrupts.cpp): deliver_event escalates a fault in the
  // delivery to #DF and then to a triple fault; idt_deliver is one attempt.
  void deliver_event(const Event& first);
  void idt_deliver(const Event& e);
  void triple_fault(const Event& first, const std::string& why);
  // Between instructions: deliver a pending interrupt if one is deliverable,
  // let time pass while halted. False: the run must stop.
  bool service_platform(uint64_t& idle_budget);
  void on_code_write(uint64_t gfn);
  FastTlb& fast() { return fast_[s.cpl == 3]; }

  Mmu& mmu_;
  GuestRam& ram_;
  Platform& platform_;
  Tlb tlb_;
  uint64_t* fetch_stamp_ = nullptr;  // the iTLB entry of the last fetch translation
  Decoder* decoder_;
  CodeCache code_;
  FastTlb fast_[2];  // [0] supervisor, [1] user (CPL 3)
  Insn cross_page_insn_;  // an instruction that straddles two pages is never cached
  CpuStats stats_;
  EventObserver* observer_ = nullptr;
  uint64_t icount_ = 0;
  uint64_t limit_ = 0;
  uint64_t halted_ticks_ = 0;
  uint64_t next_event_ = ~0ull;  // Platform::next_event(), cached between platform changes
  uint64_t shadow_end_ = 0;      // interrupts are inhibited while icount_ < shadow_end_
  bool irq_poll_ = true;         // the platform may have an interrupt not yet looked at
  std::string note_;
  uint32_t events_ = 0;
  bool stop_requested_ = false;
  bool stop_on_exception_ = false;
  RunResult result_;
};

// ---------------------------------------------------------------------------
// Fast paths, inline: a hit is a tag compare and a host memory access.

template <class T> inline T Cpu::load(uint64_t la) {
  ++stats_.data_lookups;
  const FastEntry& e = fast().read[(la >> kPageShift) & kFastMask];
  if (e.tag == (la & ~kPageMask) && (la & kPageMask) <= kPageSize - sizeof(T)) [[likely]] {
    *e.stamp = stats_.data_lookups;
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(la + e.addend), sizeof(T));
    return v;
  }
  return load_slow<T>(la);
}

template <class T> inline void Cpu::store(uint64_t la, T v) {
  ++stats_.data_lookups;
  const FastEntry& e = fast().write[(la >> kPageShift) & kFastMask];
  if (e.tag == (la & ~kPageMask) && (la & kPageMask) <= kPageSize - sizeof(T)) [[likely]] {
    *e.stamp = stats_.data_lookups;
    std::memcpy(reinterpret_cast<void*>(la + e.addend), &v, sizeof(T));
    return;
  }
  store_slow<T>(la, v);
}

template <class T, class F> inline void Cpu::rmw(uint64_t la, F f) {
  ++stats_.data_lookups;
  const FastEntry& e = fast().write[(la >> kPageShift) & kFastMask];
  if (e.tag == (la & ~kPageMask) && (la & kPageMask) <= kPageSize - sizeof(T)) [[likely]] {
    *e.stamp = stats_.data_lookups;
    void* p = reinterpret_cast<void*>(la + e.addend);
    T v;
    std::memcpy(&v, p, sizeof(T));
    v = f(v);
    std::memcpy(p, &v, sizeof(T));
    return;
  }
  WriteSpan spans[2];
  const unsigned n = write_spans(la, sizeof(T), spans);
  T v;
  read_from_spans(spans, n, &v);
  v = f(v);
  write_to_spans(spans, n, &v);
}

template <class T> T Cpu::load_slow(uint64_t la) {
  T v;
  copy_from_guest(la, &v, sizeof(T));
  return v;
}

template <class T> void Cpu::store_slow(uint64_t la, T v) {
  WriteSpan spans[2];
  const unsigned n = write_spans(la, sizeof(T), spans);
  write_to_spans(spans, n, &v);
}

}  // namespace vmsim::cpu
