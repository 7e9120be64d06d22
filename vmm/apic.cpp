#include "vmm/apic.h"

#include <algorithm>

namespace vmsim {

namespace {
// Register indices (MMIO offset / 16, x2APIC MSR - 0x800), SDM Vol. 3A,
// Table 10-1 and Table 10-6.
enum : unsigned {
  kId = 0x2, kVersion = 0x3, kTpr = 0x8, kPpr = 0xA, kEoi = 0xB, kLdr = 0xD, kDfr = 0xE,
  kSpiv = 0xF, kIsr = 0x10, kTmr = 0x18, kIrr = 0x20, kEsr = 0x28, kLvtCmci = 0x2F,
  kIcrLow = 0x30, kIcrHigh = 0x31, kLvtTimer = 0x32, kLvtError = 0x37, kInitialCount = 0x38,
  kCurrentCount = 0x39, kDivide = 0x3E, kSelfIpi = 0x3F,
};
constexpr uint32_t kMasked = 1u << 16;
constexpr uint32_t kPeriodic = 1u << 17;
}  // namespace

LocalApic::LocalApic() { lvt_.fill(kMasked); }

unsigned LocalApic::divisor() const {
  const unsigned v = (divide_config_ & 3) | ((divide_config_ >> 1) & 4);
  return v == 7 ? 1 : 2u << v;
}

uint32_t LocalApic::current_count(uint64_t now) const {
  if (initial_ == 0 || deadline_ == ~0ull) return 0;
  const uint64_t ticks = (now - armed_at_) / divisor();
  return ticks >= initial_ ? 0 : initial_ - static_cast<uint32_t>(ticks);
}

void LocalApic::arm(uint64_t now) {
  armed_at_ = now;
  deadline_ = initial_ ? now + uint64_t(initial_) * divisor() : ~0ull;
}

void LocalApic::raise_irq(uint8_t vector) {
  if (vector < 16) return;  // illegal vectors are not delivered (SDM 10.5.2)
  irr_[vector >> 5] |= 1u << (vector & 31);
}

int LocalApic::highest(const std::array<uint32_t, 8>& bits) const {
  for (int i = 7; i >= 0; --i)
    if (bits[i]) return i * 32 + 31 - __builtin_clz(bits[i]);
  return -1;
}

void LocalApic::advance(uint64_t now) {
  while (deadline_ <= now) {
    const uint32_t lvt = lvt_[1];
    if (enabled() && !(lvt & kMasked)) {
      raise_irq(static_cast<uint8_t>(lvt & 0xFF));
      ++fired_;
    }
    if (lvt & kPeriodic) {
      armed_at_ = deadline_;
      deadline_ += uint64_t(initial_) * divisor();
    } else {
      deadline_ = ~0ull;
    }
  }
}

int LocalApic::pending() const {
  if (!enabled()) return -1;
  const int v = highest(irr_);
  if (v < 0) return -1;
  const int in_service = highest(isr_);
  const int ppr = std::max<int>(tpr_ & 0xF0, in_service < 0 ? 0 : in_service & 0xF0);
  return (v & 0xF0) > ppr ? v : -1;
}

void LocalApic::acknowledge(uint8_t vector) {
  irr_[vector >> 5] &= ~(1u << (vector & 31));
  isr_[vector >> 5] |= 1u << (vector & 31);
}

uint32_t LocalApic::read_reg(unsigned index, uint64_t now) const {
  switch (index) {
    case kId: return 0;  // APIC ID 0
    case kVersion: return 0x00050014;   // version 0x14, six LVT entries
    case kTpr: return tpr_;
    case kPpr: {
      const int s = highest(isr_);
      return std::max<uint32_t>(tpr_ & 0xF0, s < 0 ? 0 : s & 0xF0);
    }
    case kLdr: return ldr_;
    case kDfr: return dfr_;
    case kSpiv: return spiv_;
    case kEsr: return esr_;
    case kIcrLow: return static_cast<uint32_t>(icr_) & ~(1u << 12);  // never busy
    case kIcrHigh: return static_cast<uint32_t>(icr_ >> 32);
    case kInitialCount: return initial_;
    case kCurrentCount: return current_count(now);
    case kDivide: return divide_config_;
    default: break;
  }
  if (index >= kIsr && index < kIsr + 8) return isr_[index - kIsr];
  if (index >= kTmr && index < kTmr + 8) return tmr_[index - kTmr];
  if (index >= kIrr && index < kIrr + 8) return irr_[index - kIrr];
  if (index == kLvtCmci) return lvt_[0];
  if (index >= kLvtTimer && index <= kLvtError) return lvt_[index - kLvtTimer + 1];
  return 0;
}

void LocalApic::write_reg(unsigned index, uint64_t value, uint64_t now) {
  const uint32_t v = static_cast<uint32_t>(value);
  switch (index) {
    case kTpr: tpr_ = v & 0xFF; return;
    case kEoi: {
      const int s = highest(isr_);
      if (s >= 0) isr_[s >> 5] &= ~(1u << (s & 31));
      return;
    }
    case kLdr: ldr_ = v & 0xFF000000; return;
    case kDfr: dfr_ = v | 0x0FFFFFFF; return;
    case kSpiv: spiv_ = v & 0x13FF; return;
    case kEsr: esr_ = 0; return;
    case kIcrHigh: icr_ = (icr_ & 0xFFFFFFFF) | (uint64_t(v) << 32); return;
    case kIcrLow: {
      icr_ = x2apic() ? value : (icr_ & ~0xFFFFFFFFull) | v;
      // One vCPU: a fixed-mode IPI reaches this APIC when it targets itself.
      const unsigned shorthand = (icr_ >> 18) & 3;
      const unsigned mode = (icr_ >> 8) & 7;
      const uint32_t dest = x2apic() ? static_cast<uint32_t>(icr_ >> 32) : static_cast<uint32_t>(icr_ >> 56);
      if (mode == 0 && (shorthand == 1 || shorthand == 2 || (shorthand == 0 && dest == 0)))
        raise_irq(static_cast<uint8_t>(icr_));
      return;
    }
    case kInitialCount: initial_ = v; arm(now); return;
    case kDivide: {
      // Keep the count running: restart the period from the current count.
      const uint32_t left = current_count(now);
      divide_config_ = v & 0xB;
      if (deadline_ != ~0ull) {
        armed_at_ = now - uint64_t(initial_ - left) * divisor();
        deadline_ = armed_at_ + uint64_t(initial_) * divisor();
      }
      return;
    }
    case kSelfIpi: raise_irq(static_cast<uint8_t>(v)); return;
    default: break;
  }
  // LVT entries: while the APIC is software-disabled they stay masked
  // (SDM 10.4.7.2).
  const uint32_t lvt = enabled() ? v : v | kMasked;
  if (index == kLvtCmci) lvt_[0] = lvt & 0x117FF;
  else if (index >= kLvtTimer && index <= kLvtError) lvt_[index - kLvtTimer + 1] = lvt & 0x3F7FF;
}

uint32_t LocalApic::mmio_read(uint64_t offset, uint64_t now) const {
  if (x2apic() || (offset & 0xF)) return 0;
  const unsigned index = static_cast<unsigned>(offset >> 4);
  if (index == kId) return 0;  // APIC ID 0, bits 31:24
  return read_reg(index, now);
}

void LocalApic::mmio_write(uint64_t offset, uint32_t value, uint64_t now) {
  if (x2apic() || (offset & 0xF)) return;
  const unsigned index = static_cast<unsigned>(offset >> 4);
  if (index == kSelfIpi || index == kCurrentCount || index == kPpr) return;  // not writable here
  write_reg(index, value, now);
}

bool LocalApic::rdmsr(uint32_t msr, uint64_t& value, uint64_t now) const {
  if (msr == kMsrApicBase) {
    value = apic_base_;
    return true;
  }
  if (!x2apic() || msr < 0x800 || msr > 0x8FF) return false;
  const unsigned index = msr - 0x800;
  switch (index) {
    case kEoi: case kSelfIpi: case kDfr: return false;  // write-only or absent in x2APIC mode
    case kIcrLow: value = icr_; return true;
    case kIcrHigh: return false;
    default: break;
  }
  const bool exists = index == kId || index == kVersion || index == kTpr || index == kPpr || index == kLdr ||
                      index == kSpiv || (index >= kIsr && index < kIrr + 8) || index == kEsr ||
                      index == kLvtCmci || (index >= kLvtTimer && index <= kCurrentCount) || index == kDivide;
  if (!exists) return false;
  value = read_reg(index, now);
  return true;
}

bool LocalApic::wrmsr(uint32_t msr, uint64_t value, uint64_t now) {
  if (msr == kMsrApicBase) {
    // EN (bit 11) and EXTD (bit 10); x2APIC requires the APIC enabled
    // (SDM 10.12.5). The base stays at 0xFEE00000: relocation is not modelled.
    const bool en = value & (1u << 11), extd = value & (1u << 10);
    if (extd && !en) return false;
    if ((value & ~0xFFFFF000ull & ~0xD00ull) != 0) return false;  // reserved bits
    apic_base_ = kApicMmioBase | (value & 0xD00);
    return true;
  }
  if (!x2apic() || msr < 0x800 || msr > 0x8FF) return false;
  const unsigned index = msr - 0x800;
  switch (index) {
    case kEoi:
      if (value != 0) return false;  // SDM 10.12.1.2: a non-zero EOI write faults
      write_reg(index, 0, now);
      return true;
    case kTpr: case kSpiv: case kEsr: case kIcrLow: case kLvtCmci: case kInitialCount: case kDivide: case kSelfIpi:
      write_reg(index, value, now);
      return true;
    default:
      if (index >= kLvtTimer && index <= kLvtError) {
        write_reg(index, value, now);
        return true;
      }
      return false;  // read-only or absent
  }
}

}  // namespace vmsim
