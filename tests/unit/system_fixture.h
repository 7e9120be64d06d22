// A small machine for the system-level CPU's unit tests: 4 MiB of RAM with
// the flat identity MMU, a mock platform that records what the CPU asks of
// it and raises interrupts on a schedule, and builders for the GDT, IDT and
// TSS the tests place in guest memory.
//
// Guest-physical layout:
//   0x01000 GDT        0x02000 IDT (256 16-byte gates)   0x03000 TSS
//   0x04000 handler stubs: vector v at 0x4000 + 8 v, each a hlt
//   0x09000 RSP0 (stack below)   0x0A000 IST1   0x0B000 IST2
//   0x10000 kernel code          0x20000 user code   0x30000 user stack top
//   0x40000 data                 0x50000 data of the segment with a base
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/flat_mmu.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "cpu/cpu.h"
#include "cpu/msr.h"

#define SYS_SNIPPET(name) extern "C" const uint8_t name##_start[], name##_end[];
#define SNIPPET_CODE(name) ::std::vector<uint8_t>(name##_start, name##_end)

namespace vmsim::cpu::systest {

inline constexpr uint64_t kGdt = 0x1000, kIdt = 0x2000, kTss = 0x3000, kStubs = 0x4000;
inline constexpr uint64_t kRsp0 = 0x9000, kIst1 = 0xA000, kIst2 = 0xB000;
inline constexpr uint64_t kKernelCode = 0x10000, kUserCode = 0x20000, kUserStack = 0x30000;
inline constexpr uint64_t kData = 0x40000, kSegBase = 0x50000;
inline constexpr uint64_t kRamBytes = 4ull << 20;

// GDT selectors (the user ones in SYSRET order: STAR[63:48] = 0x18).
inline constexpr uint16_t kKernelCs = 0x08, kKernelDs = 0x10, kUserCs32 = 0x1B, kUserDs = 0x23, kUserCs = 0x2B,
                          kKernelCs32 = 0x30, kTssSel = 0x38, kLdtSel = 0x48, kBasedDs = 0x58, kAbsentDs = 0x60,
                          kCode16 = 0x68, kExecOnly = 0x70, kKernelDs2 = 0x78, kUserCsConforming = 0x80,
                          kGdtEnd = 0x88;

// A code or data descriptor; 'limit' in units of the granularity in 'attr'.
inline uint64_t seg_desc(uint32_t base, uint32_t limit, uint16_t attr) {
  return (limit & 0xFFFF) | (uint64_t{base & 0xFFFFFF} << 16) | (uint64_t{attr & 0xFFu} << 40) |
         (uint64_t{(limit >> 16) & 0xF} << 48) | (uint64_t{(attr >> 12) & 0xFu} << 52) | (uint64_t{base >> 24} << 56);
}
// A 64-bit interrupt (type 0xE) or trap (0xF) gate.
inline void idt_gate(uint64_t out[2], uint64_t target, uint16_t sel, unsigned type, unsigned dpl, unsigned ist = 0,
                     bool present = true) {
  out[0] = (target & 0xFFFF) | (uint64_t{sel} << 16) | (uint64_t{ist} << 32) |
           (uint64_t{type | dpl << 5 | (present ? 0x80u : 0u)} << 40) | (((target >> 16) & 0xFFFF) << 48);
  out[1] = target >> 32;
}

class MockPlatform : public Platform {
 public:
  std::vector<Intercept> intercepts;
  std::vector<std::tuple<uint16_t, uint8_t, uint32_t>> outs;
  std::deque<int> pending;                           // raised, not yet acknowledged
  std::multimap<uint64_t, int> schedule;             // device time -> vector raised then
  std::vector<uint64_t> advances;                    // device times advance() saw
  std::vector<uint8_t> acknowledged;
  std::map<uint32_t, uint64_t> msrs;                 // the platform's MSRs (APIC)
  bool refuse_msrs = false;
  std::function<void(uint64_t)> on_advance;          // a device acting at its event
  std::function<void(uint16_t, uint32_t)> on_out;    // a device acting on a port write

  uint32_t io_in(uint16_t port, uint8_t) override { return 0x1000u + port; }
  void io_out(uint16_t port, uint8_t size, uint32_t value) override {
    outs.emplace_back(port, size, value);
    if (on_out) on_out(port, value);
  }
  bool rdmsr(uint32_t m, uint64_t& v) override {
    if (refuse_msrs) return false;
    v = msrs[m];
    return true;
  }
  bool wrmsr(uint32_t m, uint64_t v) override {
    if (refuse_msrs) return false;
    msrs[m] = v;
    return true;
  }
  int pending_interrupt() override { return pending.empty() ? -1 : pending.front(); }
  void acknowledge_interrupt(uint8_t v) override {
    EXPECT_FALSE(pending.empty());
    EXPECT_EQ(pending.front(), v);
    pending.pop_front();
    acknowledged.push_back(v);
  }
  uint64_t next_event() override { return schedule.empty() ? ~0ull : schedule.begin()->first; }
  void advance(uint64_t now) override {
    advances.push_back(now);
    if (on_advance) on_advance(now);
    while (!schedule.empty() && schedule.begin()->first <= now) {
      pending.push_back(schedule.begin()->second);
      schedule.erase(schedule.begin());
    }
  }
  void intercept(Intercept what, uint64_t) override { intercepts.push_back(what); }
};

struct SysMachine {
  HostMemory host{kRamBytes};
  GuestRam ram{host, kRamBytes};
  FlatMmu mmu{ram};
  MockPlatform plat;
  Cpu c{mmu, ram, plat};

  SysMachine() {
    build_gdt();
    build_idt();
    build_tss();
    long_mode_ring0();
  }

  void write(uint64_t gpa, const void* p, size_t n) {
    std::memcpy(ram.host_ptr(Gpa(gpa & ~kPageMask)) + (gpa & kPageMask), p, n);
    for (uint64_t a = gpa & ~kPageMask; a < gpa + n; a += kPageSize) c.notify_phys_write(Gpa(a));
  }
  template <class T> void put(uint64_t gpa, T v) { write(gpa, &v, sizeof v); }
  template <class T> T get(uint64_t gpa) {
    T v;
    std::memcpy(&v, ram.host_ptr(Gpa(gpa & ~kPageMask)) + (gpa & kPageMask), sizeof v);
    return v;
  }
  void code(uint64_t at, const std::vector<uint8_t>& bytes) { write(at, bytes.data(), bytes.size()); }

  void set_gdt(uint16_t sel, uint64_t d) { put(kGdt + (sel & ~7u), d); }
  void build_gdt() {
    std::vector<uint64_t> g(kGdtEnd / 8, 0);
    auto at = [&](uint16_t sel) -> uint64_t& { return g[sel >> 3]; };
    at(kKernelCs) = seg_desc(0, 0xFFFFF, 0xA09B);
    at(kKernelDs) = seg_desc(0, 0xFFFFF, 0xC093);
    at(kUserCs32) = seg_desc(0, 0xFFFFF, 0xC0FB);
    at(kUserDs) = seg_desc(0, 0xFFFFF, 0xC0F3);
    at(kUserCs) = seg_desc(0, 0xFFFFF, 0xA0FB);
    at(kKernelCs32) = seg_desc(0, 0xFFFFF, 0xC09B);
    // 64-bit TSS, limit 0x67, available (type 9); base in two halves.
    at(kTssSel) = seg_desc(static_cast<uint32_t>(kTss), 0x67, 0x0089);
    at(kTssSel + 8) = kTss >> 32;
    at(kLdtSel) = 0;  // filled by tests that need an LDT
    at(kBasedDs) = seg_desc(static_cast<uint32_t>(kSegBase), 0xFFFF, 0x0092);  // not accessed yet
    at(kAbsentDs) = seg_desc(0, 0xFFFFF, 0xC013);                              // P = 0
    at(kCode16) = seg_desc(0, 0xFFFF, 0x009B);
    at(kExecOnly) = seg_desc(0, 0xFFFFF, 0xC099);  // execute-only code
    at(kKernelDs2) = seg_desc(0, 0xFFFFF, 0xC093);
    at(kUserCsConforming) = seg_desc(0, 0xFFFFF, 0xA09F);  // conforming, DPL 0
    write(kGdt, g.data(), g.size() * 8);
    c.s.gdtr = DescriptorTable{kGdt, static_cast<uint16_t>(kGdtEnd - 1)};
  }
  // Every vector: an interrupt gate at DPL 0 to its stub (hlt).
  void build_idt() {
    for (unsigned v = 0; v < 256; ++v) {
      set_gate(v, kStubs + 8 * v, kKernelCs, 0xE, 0);
      const uint8_t stub[8] = {0xF4, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4};
      write(kStubs + 8 * v, stub, 8);
    }
    c.s.idtr = DescriptorTable{kIdt, 256 * 16 - 1};
  }
  void set_gate(unsigned v, uint64_t target, uint16_t sel, unsigned type, unsigned dpl, unsigned ist = 0,
                bool present = true) {
    uint64_t g[2];
    idt_gate(g, target, sel, type, dpl, ist, present);
    write(kIdt + 16 * v, g, 16);
  }
  void build_tss() {
    uint8_t tss[0x68] = {};
    auto put64 = [&](unsigned off, uint64_t v) { std::memcpy(tss + off, &v, 8); };
    put64(4, kRsp0);
    put64(12, 0x7000);  // RSP1
    put64(20, 0x6000);  // RSP2
    put64(0x24, kIst1);
    put64(0x2C, kIst2);
    write(kTss, tss, sizeof tss);
    c.s.tr = Segment{kTssSel, kTss, 0x67, 0x008B};
  }
  // The state of a 64-bit kernel after boot: CPL 0, paging and long mode on,
  // flat segments, the GDT, IDT and TSS above, interrupts off.
  void long_mode_ring0() {
    CpuState& s = c.s;
    s.cr0 = 0x80010033;  // PE MP ET NE WP PG
    s.cr4 = 0x6A0;       // PAE PGE OSFXSR OSXMMEXCPT
    s.efer = 0xD01;      // SCE LME LMA NXE
    s.cr3 = 0x100000;
    s.mode = CpuMode::Long64;
    s.seg[CS] = Segment{kKernelCs, 0, 0xFFFFFFFF, 0xA09B};
    for (int i : {ES, SS, DS, FS, GS}) s.seg[i] = Segment{kKernelDs, 0, 0xFFFFFFFF, 0xC093};
    s.refresh_seg_bases();
    s.rflags = fl::Reserved1;
    s.r[RSP] = kRsp0 - 0x100;
    s.rip() = kKernelCode;
    s.star = (uint64_t{0x18} << 48) | (uint64_t{kKernelCs} << 32);
  }
  // Switch to CPL 3 at 'rip' with the user segments, as after an iretq.
  void enter_user(uint64_t rip, uint64_t rsp = kUserStack) {
    CpuState& s = c.s;
    s.seg[CS] = Segment{kUserCs, 0, 0xFFFFFFFF, 0xA0FB};
    for (int i : {ES, SS, DS}) s.seg[i] = Segment{kUserDs, 0, 0xFFFFFFFF, 0xC0F3};
    c.set_cpl(3);
    c.mode_changed();
    s.r[RSP] = rsp;
    s.rip() = rip;
  }

  // Back to CPL 0 in 64-bit mode at 'rip', as after an interrupt.
  void enter_kernel(uint64_t rip) {
    CpuState& s = c.s;
    s.seg[CS] = Segment{kKernelCs, 0, 0xFFFFFFFF, 0xA09B};
    for (int i : {ES, SS, DS}) s.seg[i] = Segment{kKernelDs, 0, 0xFFFFFFFF, 0xC093};
    c.set_cpl(0);
    c.mode_changed();
    s.r[RSP] = kRsp0 - 0x100;
    s.rip() = rip;
  }

  RunResult run(uint64_t n = 1000) { return c.run(n); }
  // Runs until the CPU halts in a handler stub; returns the vector whose
  // stub it is (-1 if it stopped elsewhere).
  int run_to_handler(uint64_t n = 1000) {
    last = c.run(n);
    const uint64_t rip = c.s.rip();
    if (last.reason != StopReason::Halted || rip <= kStubs || rip > kStubs + 256 * 8) return -1;
    return static_cast<int>((rip - 1 - kStubs) / 8);
  }
  uint64_t stack(int i) { return get<uint64_t>(c.s.r[RSP] + 8 * i); }
  RunResult last;
};

inline const char* reason_name(StopReason r) {
  switch (r) {
    case StopReason::Budget: return "Budget";
    case StopReason::Halted: return "Halted";
    case StopReason::Requested: return "Requested";
    case StopReason::Exception: return "Exception";
    case StopReason::TripleFault: return "TripleFault";
  }
  return "?";
}

}  // namespace vmsim::cpu::systest
