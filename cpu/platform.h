// What the CPU needs from the machine around it: port I/O and the other
// instructions a hypervisor would intercept. vmm/ implements it; tests use a
// small mock. Memory is not here: it goes through the TLB and the core Mmu.
#pragma once
#include <cstdint>

namespace vmsim::cpu {

// Instructions a VMX hypervisor would intercept. The CPU reports each one as
// it executes it; the machine turns them into counted vmexits when the MMU
// backend runs the guest under a hypervisor, and ignores them under native.
enum class Intercept : uint8_t { Cpuid, Hlt, IoIn, IoOut, Rdmsr, Wrmsr, CrRead, CrWrite, Invlpg, Invpcid, Rdtsc, Vmcall };

class Platform {
 public:
  virtual ~Platform() = default;
  // Port I/O of 'size' bytes (1, 2, 4). Unclaimed ports read as all ones.
  virtual uint32_t io_in(uint16_t port, uint8_t size) = 0;
  virtual void io_out(uint16_t port, uint8_t size, uint32_t value) = 0;

  // Physical addresses that are not RAM (the local APIC page): accesses of
  // 1, 2, 4 or 8 bytes at linear address 'la'. Nothing there reads as all ones.
  virtual uint64_t mmio_read(uint64_t la, uint64_t pa, unsigned size) { (void)la, (void)pa, (void)size; return ~0ull; }
  virtual void mmio_write(uint64_t la, uint64_t pa, unsigned size, uint64_t value) {
    (void)la, (void)pa, (void)size, (void)value;
  }

  // MSRs the CPU does not implement itself (the local APIC's: APIC_BASE and
  // the x2APIC range). False: no such MSR, and the instruction raises #GP.
  virtual bool rdmsr(uint32_t msr, uint64_t& value) { (void)msr, (void)value; return false; }
  virtual bool wrmsr(uint32_t msr, uint64_t value) { (void)msr, (void)value; return false; }

  // The interrupt controller: the vector of the highest-priority pending
  // maskable interrupt, or -1; acknowledge() moves it to in-service (the CPU
  // calls it when it delivers the interrupt).
  virtual int pending_interrupt() { return -1; }
  virtual void acknowledge_interrupt(uint8_t vector) { (void)vector; }

  // Device time is Cpu::now(): retired instructions plus the ticks spent
  // halted. next_event() is the time at which a device next needs to act (a
  // timer expiring), or ~0; the CPU stops exactly there and calls
  // advance(now) so the device can act.
  virtual uint64_t next_event() { return ~0ull; }
  virtual void advance(uint64_t now) { (void)now; }

  // An intercepted instruction was executed (see Intercept). 'detail' is
  // the control-register number (CrRead/CrWrite), the MSR (Rdmsr/Wrmsr) or
  // the port (IoIn/IoOut), else 0.
  virtual void intercept(Intercept what, uint64_t detail = 0) { (void)what, (void)detail; }
};

// A platform with no devices: reads return all ones, writes vanish.
class NullPlatform : public Platform {
 public:
  uint32_t io_in(uint16_t, uint8_t) override { return 0xFFFFFFFF; }
  void io_out(uint16_t, uint8_t, uint32_t) override {}
};

}  // namespace vmsim::cpu
