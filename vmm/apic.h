// The local APIC subset of DESIGN §3: the xAPIC MMIO page at 0xFEE00000 and
// the same registers as x2APIC MSRs (0x800 + offset / 16): ID, version, TPR,
// EOI, LDR, SPIV, ISR/TMR/IRR, ESR, ICR (self IPIs only; the busy bit reads
// 0), the LVT, and the timer in one-shot and periodic mode. The timer counts
// retired guest instructions, not host time, so a run is deterministic: the
// current count drops by one every 'divide' instructions.
#pragma once
#include <array>
#include <cstdint>

namespace vmsim {

inline constexpr uint64_t kApicMmioBase = 0xFEE00000;
inline constexpr uint32_t kMsrApicBase = 0x1B;

class LocalApic {
 public:
  LocalApic();

  // xAPIC MMIO (32-bit registers at 16-byte strides; other widths and
  // offsets read 0 and ignore writes). Ignored in x2APIC mode.
  uint32_t mmio_read(uint64_t offset, uint64_t now) const;
  void mmio_write(uint64_t offset, uint32_t value, uint64_t now);
  // APIC_BASE and the x2APIC range; false for an MSR that does not exist in
  // the current mode (the CPU raises #GP).
  bool rdmsr(uint32_t msr, uint64_t& value, uint64_t now) const;
  bool wrmsr(uint32_t msr, uint64_t value, uint64_t now);

  // Interrupt delivery (SDM Vol. 3A, 10.8): the highest pending vector
  // whose priority class is above the processor priority, or -1.
  int pending() const;
  void acknowledge(uint8_t vector);

  // The instruction count at which the timer next fires, or ~0.
  uint64_t next_event() const { return deadline_; }
  void advance(uint64_t now);

  uint64_t timer_interrupts() const { return fired_; }
  uint32_t tpr() const { return tpr_; }
  void set_tpr(uint32_t v) { tpr_ = v & 0xFF; }

 private:
  uint32_t read_reg(unsigned index, uint64_t now) const;  // index = offset / 16
  void write_reg(unsigned index, uint64_t value, uint64_t now);
  uint32_t current_count(uint64_t now) const;
  unsigned divisor() const;
  void arm(uint64_t now);
  void raise_irq(uint8_t vector);
  int highest(const std::array<uint32_t, 8>& bits) const;
  bool enabled() const { return (apic_base_ & (1u << 11)) && (spiv_ & 0x100); }
  bool x2apic() const { return apic_base_ & (1u << 10); }

  uint64_t apic_base_ = kApicMmioBase | (1u << 11) | (1u << 8);  // enabled, BSP
  uint32_t tpr_ = 0, ldr_ = 0, dfr_ = 0xFFFFFFFF, spiv_ = 0xFF, esr_ = 0;
  uint64_t icr_ = 0;
  std::array<uint32_t, 7> lvt_{};  // CMCI, timer, thermal, perf, LINT0, LINT1, error
  std::array<uint32_t, 8> irr_{}, isr_{}, tmr_{};
  uint32_t initial_ = 0, divide_config_ = 0;
  uint64_t armed_at_ = 0;     // instruction count when the current period began
  uint64_t deadline_ = ~0ull;
  uint64_t fired_ = 0;
};

}  // namespace vmsim
